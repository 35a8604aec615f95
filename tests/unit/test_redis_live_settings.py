"""Live settings: what a node needs done and what the provider's diff decides (pure), then the provider against
real redis-servers rendered like container nodes (CONFIG SET, CONFIG REWRITE, a restart keeps them; the
password changed live, in order, on nodes that run with the previous or the starting one)."""

import socket
import subprocess
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Tuple

import pytest
import redis
from pulumi.dynamic import ReadResult
from pulumi.runtime import rpc
from redis.backoff import NoBackoff
from redis.retry import Retry

from components.redis.model.cluster_args import RedisClusterArgs
from components.redis.model.config import (
    AUTH_PATH,
    CONFIG_PATH,
    RedisNodeConfig,
    parse_directives,
    render_auth_config,
    render_node_config,
)
from components.redis.model.live import (
    STARTING,
    LiveSettings,
    NodeSteps,
    aof_rewrite_problems,
    changed_keys,
    drift,
    hidden,
    live_settings,
    node_steps,
    password_values,
    starting_values,
)
from components.redis.model.plan import MASTER, ClusterPlan, NodePlan, plan_cluster
from components.redis.model.run_script import render_run_script
from components.redis.resources import node_session
from components.redis.resources.live_settings import RedisLiveSettingsProvider, apply_to_node
from components.redis.resources.node_session import FormationError, FormationSpec, NodeAuth

from .doubles.redis_server import RedisServer, free_port_pair

PASSWORD = "unit-Test-password-1"  # the first: what the nodes' auth.conf holds
SECOND, THIRD = "unit-Test-password-2", "unit-Test-password-3"
EVERY_PASSWORD = (PASSWORD, SECOND, THIRD)
WANTED = LiveSettings(node_timeout_ms=6000, appendonly=False).values()


def test_the_settings_come_from_the_stack_and_start_at_the_defaults():
    assert live_settings(RedisClusterArgs(node_timeout_ms=6000, appendonly=False)).values() == {
        "cluster-node-timeout": "6000",
        "appendonly": "no",
    }
    # The uploaded file's values: the defaults, so a stack deployed before with them keeps its file.
    assert STARTING == live_settings(RedisClusterArgs())


def test_a_node_gets_only_what_differs_and_its_file_whenever_it_holds_other_than_the_start():
    running_new = {"cluster-node-timeout": "6000", "appendonly": "no"}
    assert node_steps(STARTING.values(), WANTED).to_set == WANTED
    assert node_steps({"cluster-node-timeout": "6000", "appendonly": "yes"}, WANTED).to_set == {"appendonly": "no"}
    # Nothing differs: nothing set, but the file is written again (an earlier rewrite may have failed).
    assert node_steps(running_new, WANTED) == NodeSteps(to_set={}, rewrite=True, await_aof=False)
    # A new stack at the defaults: nothing to set, nothing to write, no wait.
    steps = node_steps(STARTING.values(), STARTING.values())
    assert steps.to_set == {} and not steps.rewrite and not steps.await_aof


def test_turning_the_aof_on_waits_for_its_rewrite_before_the_file_says_so():
    assert node_steps({"appendonly": "no"}, {"appendonly": "yes"}).await_aof
    assert not node_steps({"appendonly": "yes"}, {"appendonly": "no"}).await_aof
    assert aof_rewrite_problems({"aof_rewrite_in_progress": 1, "aof_rewrite_scheduled": 0}) == [
        "an AOF rewrite is in progress"
    ]
    assert "failed (err)" in aof_rewrite_problems({"aof_last_bgrewrite_status": "err"})[0]
    assert aof_rewrite_problems({"aof_rewrite_in_progress": 0, "aof_rewrite_scheduled": 0}) == []


def test_drift_names_the_node_and_the_setting_and_skips_nodes_that_did_not_answer():
    observed = {"redis-2": {"cluster-node-timeout": "5000", "appendonly": "no"}, "redis-1": dict(WANTED)}
    assert drift(observed, WANTED) == ["redis-2: cluster-node-timeout is 5000, not 6000"]
    assert drift({}, WANTED) == []


def test_the_password_is_set_live_and_the_file_rewritten_unless_it_is_the_starting_one():
    starting = starting_values(PASSWORD)
    changed = {**STARTING.values(), **password_values(SECOND)}
    assert node_steps(starting, changed, starting) == NodeSteps(
        to_set=password_values(SECOND), rewrite=True, await_aof=False
    )
    assert node_steps(changed, changed, starting) == NodeSteps(to_set={}, rewrite=True, await_aof=False)
    # Back to the first password: set, and the file rewritten (it says the second one since the change).
    assert node_steps(changed, starting, starting).to_set == password_values(PASSWORD)
    assert node_steps(changed, starting, starting).rewrite
    # A first `up`: the nodes run with their auth.conf, nothing to set or to write.
    assert node_steps(starting, starting, starting) == NodeSteps(to_set={}, rewrite=False, await_aof=False)
    assert password_values("") == {}  # auth off


def test_the_password_never_shows_in_drift_steps_or_what_was_set():
    observed = {"redis-1": starting_values(PASSWORD)}
    wanted = {**STARTING.values(), **password_values(SECOND)}
    found = drift(observed, wanted)
    assert found == [
        "redis-1: requirepass is not the stack's password",
        "redis-1: masterauth is not the stack's password",
    ]
    steps = node_steps(observed["redis-1"], wanted, starting_values(PASSWORD))
    for shown in (*found, repr(steps), str(hidden(steps.to_set))):
        assert SECOND not in shown and PASSWORD not in shown, shown
    assert hidden(steps.to_set) == {"requirepass": "[secret]", "masterauth": "[secret]"}


def test_a_node_is_tried_with_the_previous_then_the_starting_password_each_once():
    auth = NodeAuth.from_props({"startingPassword": PASSWORD}, {"password": SECOND})
    assert auth.fallbacks(THIRD) == [SECOND, PASSWORD]
    assert auth.fallbacks(SECOND) == [PASSWORD]
    assert NodeAuth(starting=PASSWORD, previous=PASSWORD).fallbacks(THIRD) == [PASSWORD]
    assert NodeAuth.from_props({}).fallbacks(THIRD) == []  # a state from before: no fallback
    assert PASSWORD not in repr(auth) and SECOND not in repr(auth)


def _props(*ports: int, **changes: Any) -> Dict[str, Any]:
    """Nodes redis-1.. at 127.0.0.1:port, as the resource's inputs hold them."""
    nodes = tuple(
        NodePlan(i, f"redis-{i}", "127.0.0.1", port, port + 10000, MASTER, None, ()) for i, port in enumerate(ports, 1)
    )
    props = {
        "clusterName": "redis",
        "topology": ClusterPlan(nodes=nodes).topology(),
        "endpoints": {node.name: {"host": "127.0.0.1", "port": node.host_port} for node in nodes},
        "password": PASSWORD,
        "startingPassword": PASSWORD,
        "containers": {node.name: f"id-{node.index}" for node in nodes},
        "timeoutSeconds": 30,
        "settings": dict(WANTED),
        "drift": [],
    }
    props.update(changes)
    return props


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_diff_is_an_update_naming_the_setting_never_a_replacement():
    olds = _props(_closed_port())
    news = {**olds, "settings": {**WANTED, "cluster-node-timeout": "7000"}}
    assert changed_keys(olds, news) == ["settings"]
    result = RedisLiveSettingsProvider().diff("id", olds, news)
    assert result.changes is True and not result.replaces


def test_a_recreated_container_a_new_node_or_unknowns_in_preview_apply_again():
    olds = _props(_closed_port())
    grown = plan_cluster("redis", RedisClusterArgs(masters=4))
    for key, value in (
        ("containers", {"redis-1": "id-2"}),
        ("containers", rpc.UNKNOWN),
        ("topology", grown.topology()),
        ("password", "other"),
        ("startingPassword", "other"),
        ("startingPassword", rpc.UNKNOWN),
    ):
        result = RedisLiveSettingsProvider().diff("id", olds, {**olds, key: value})
        assert result.changes is True and not result.replaces, key


def test_without_input_changes_nodes_that_do_not_answer_are_no_drift():
    olds = _props(_closed_port())
    assert RedisLiveSettingsProvider().diff("id", olds, dict(olds)).changes is False
    assert RedisLiveSettingsProvider().diff("id", olds, {**olds, "drift": ["x"]}).changes is False
    assert RedisLiveSettingsProvider().diff("id", {**olds, "drift": ["x"]}, dict(olds)).changes is True


def _read_drift(provider: RedisLiveSettingsProvider, props: Dict[str, Any]) -> Any:
    result: ReadResult = provider.read("id", props)
    assert result.outs is not None
    return result.outs["drift"]


def _node_files(directory: Path, name: str = "redis-1", password: str = PASSWORD) -> Tuple[Path, Path]:
    """A container node's redis.conf (starting values) and auth.conf, in `directory`, its data there too."""
    directory.mkdir(parents=True, exist_ok=True)
    auth = directory / "auth.conf"
    auth.write_text(render_auth_config(password))
    config = directory / "redis.conf"
    config.write_text(
        render_node_config(
            RedisNodeConfig(node_name=name, announce_ip="127.0.0.1", data_dir=str(directory), auth_include=str(auth))
        )
    )
    return config, auth


def test_a_real_node_takes_the_settings_live_and_keeps_them_across_a_restart(tmp_path: Path, redis_server_binary: str):
    """The file a container node is started with (starting values, the password included from auth.conf),
    then create, a restart on the rewritten file, an update that turns the AOF on, and drift."""
    config, auth = _node_files(tmp_path)
    port, provider = free_port_pair(), RedisLiveSettingsProvider()
    props = _props(port)
    with RedisServer(redis_server_binary, config, port, PASSWORD) as node:
        provider.create(props)
        assert node.config_get("cluster-node-timeout") == {"cluster-node-timeout": "6000"}
        assert node.config_get("appendonly") == {"appendonly": "no"}
        assert provider.diff("id", props, dict(props)).changes is False
    written = dict(parse_directives(config.read_text()))
    assert written["cluster-node-timeout"] == "6000" and written["appendonly"] == "no"
    assert written["include"] == str(auth)  # the secret file is still where the password comes from at start

    with RedisServer(redis_server_binary, config, port, PASSWORD) as node:  # a restart
        assert node.config_get("cluster-node-timeout") == {"cluster-node-timeout": "6000"}
        on = {**props, "settings": {**WANTED, "appendonly": "yes"}}
        provider.update("id", props, on)
        persistence = node.info("persistence")
        assert persistence["aof_enabled"] == 1 and aof_rewrite_problems(persistence) == []
        assert dict(parse_directives(config.read_text()))["appendonly"] == "yes"
        node.config_set("cluster-node-timeout", "7000")  # behind Pulumi's back
        assert provider.diff("id", on, dict(on)).changes is True
        assert _read_drift(provider, on) == ["redis-1: cluster-node-timeout is 7000, not 6000"]


def _until(what: str, done: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@contextmanager
def _running(tmp_path: Path, binary: str, count: int) -> Iterator[List[Tuple[int, Path, Path]]]:
    """`count` nodes started like container nodes with auth.conf holding PASSWORD: (port, redis.conf, auth.conf)."""
    nodes = []
    with ExitStack() as stack:
        for i in range(1, count + 1):
            config, auth = _node_files(tmp_path / f"redis-{i}", f"redis-{i}")
            port = free_port_pair()
            stack.enter_context(RedisServer(binary, config, port, PASSWORD))
            nodes.append((port, config, auth))
        yield nodes


def _takes(port: int, password: str) -> bool:
    """Whether a new client logs in with `password` (at once: redis-py retries a refusal by default)."""
    node = redis.Redis(port=port, password=password, socket_connect_timeout=1, retry=Retry(NoBackoff(), 0))
    try:
        return bool(node.ping())
    except redis.AuthenticationError:
        return False
    finally:
        node.close()


def _hand_over_password(config: Path, auth: Path) -> str:
    """The password run.sh's hand-over reads, from these files (its read_password, run by sh)."""
    script = render_run_script().replace(AUTH_PATH, str(auth)).replace(CONFIG_PATH, str(config))
    start = script.index("read_password() {")
    function = script[start : script.index("\n}\n", start) + 3]
    run = subprocess.run(
        ["sh", "-c", function + 'read_password; printf %s "$password"'], capture_output=True, text=True, check=True
    )
    return run.stdout


class _Recorded:
    """A client that writes down, in one shared log, each CONFIG SET (node, directive) and CONFIG REWRITE."""

    def __init__(self, connection: Any, name: str, log: List[Tuple[str, str]]) -> None:
        self._connection, self._name, self._log = connection, name, log

    def config_set(self, directive: str, value: str) -> Any:
        self._log.append((self._name, directive))
        return self._connection.config_set(directive, value)

    def config_rewrite(self) -> Any:
        self._log.append((self._name, "rewrite"))
        return self._connection.config_rewrite()

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._connection, attribute)


@pytest.fixture
def config_log(monkeypatch: pytest.MonkeyPatch) -> List[Tuple[str, str]]:
    """Every CONFIG SET and CONFIG REWRITE the live settings send, in order."""
    log: List[Tuple[str, str]] = []
    real = node_session.client
    monkeypatch.setattr(node_session, "client", lambda spec, name, *args: _Recorded(real(spec, name, *args), name, log))
    return log


def test_a_password_change_sets_requirepass_everywhere_then_masterauth_then_rewrites(
    tmp_path: Path, redis_server_binary: str, config_log: List[Tuple[str, str]]
):
    """Twice: the first change logs in with the starting password, the second with the one before it; each
    node's file then gives the new one on a restart and to run.sh's hand-over."""
    provider, names = RedisLiveSettingsProvider(), ["redis-1", "redis-2", "redis-3"]
    with _running(tmp_path, redis_server_binary, 3) as nodes:
        first = _props(*(port for port, _, _ in nodes))
        assert [_hand_over_password(config, auth) for _, config, auth in nodes] == [PASSWORD] * 3
        second = {**first, "password": SECOND}
        provider.update("id", first, second)
        assert config_log == [
            *((name, "requirepass") for name in names),
            *((name, "masterauth") for name in names),
            *(
                step
                for name in names
                for step in ((name, "cluster-node-timeout"), (name, "appendonly"), (name, "rewrite"))
            ),
        ]
        for port, config, auth in nodes:
            assert _takes(port, SECOND) and not _takes(port, PASSWORD)
            assert _hand_over_password(config, auth) == SECOND
        config_log.clear()
        provider.update("id", second, {**second, "password": THIRD})
        assert config_log[:6] == [*((name, "requirepass") for name in names), *((name, "masterauth") for name in names)]
        assert all(_takes(port, THIRD) for port, _, _ in nodes)
        assert provider.diff("id", {**second, "password": THIRD}, {**second, "password": THIRD}).changes is False
    port, config, auth = nodes[0]
    with RedisServer(redis_server_binary, config, port, THIRD) as restarted:  # on its rewritten file
        assert restarted.config_get("masterauth") == {"masterauth": THIRD}
        assert not _takes(port, PASSWORD) and _hand_over_password(config, auth) == THIRD


def test_a_node_that_only_knows_the_starting_password_gets_the_current_one(tmp_path: Path, redis_server_binary: str):
    """A container created after a change starts from its auth.conf: drift says so without the values, and
    the per-node apply (what a replaced node's step calls) logs in with the starting password."""
    with _running(tmp_path, redis_server_binary, 1) as [(port, _, _)]:
        props = _props(port, password=SECOND, settings=STARTING.values())
        found = _read_drift(RedisLiveSettingsProvider(), props)
        assert found == [
            "redis-1: requirepass is not the stack's password",
            "redis-1: masterauth is not the stack's password",
        ]
        spec = FormationSpec.from_props(props)
        applied = apply_to_node(spec, "redis-1", STARTING.values(), time.monotonic() + 10, NodeAuth.from_props(props))
        assert applied == hidden(password_values(SECOND))
        assert _takes(port, SECOND) and not _takes(port, PASSWORD)
        assert _read_drift(RedisLiveSettingsProvider(), props) == []


def test_a_node_that_refuses_every_password_fails_at_once_naming_none(tmp_path: Path, redis_server_binary: str):
    with _running(tmp_path, redis_server_binary, 1) as [(port, _, _)]:
        props = _props(port, password=THIRD, startingPassword=SECOND)
        started = time.monotonic()
        with pytest.raises(FormationError, match="redis-1 refuses the stack's password") as raised:
            RedisLiveSettingsProvider().create(props)
        spec = FormationSpec.from_props(props)
        with pytest.raises(FormationError, match="redis-1 refuses the stack's password") as per_node:
            apply_to_node(spec, "redis-1", dict(WANTED), time.monotonic() + 30, NodeAuth.from_props(props))
        assert time.monotonic() - started < 5, "waited for a refusal no wait changes"
        for message in (str(raised.value), str(per_node.value)):
            assert not any(password in message for password in EVERY_PASSWORD), message


def _replication(node: Any) -> Dict[str, Any]:
    return node.info("replication")


def test_a_replica_keeps_its_link_and_syncs_again_with_the_new_password(tmp_path: Path, redis_server_binary: str):
    """A cluster replica of a master, both on PASSWORD; after the change its link stays up, and a new link
    (the old one killed) authenticates with the new masterauth."""
    with _running(tmp_path, redis_server_binary, 2) as [(master_port, _, _), (replica_port, _, _)]:
        master = redis.Redis(port=master_port, password=PASSWORD, decode_responses=True)
        replica = redis.Redis(port=replica_port, password=PASSWORD, decode_responses=True)
        master.execute_command("CLUSTER", "MEET", "127.0.0.1", str(replica_port))
        master_id = master.execute_command("CLUSTER", "MYID")
        _until("the nodes to meet", lambda: master_id in replica.execute_command("CLUSTER", "NODES"))
        _until("the replica to be accepted", lambda: _replicate(replica, master_id))
        _until("the first sync", lambda: _replication(replica)["master_link_status"] == "up")
        props = _props(master_port, replica_port)
        RedisLiveSettingsProvider().update("id", props, {**props, "password": SECOND})
        assert _replication(replica)["master_link_status"] == "up"  # connections made before survive
        replica.execute_command("CLIENT", "KILL", "TYPE", "master")
        _until("a new link with the new password", lambda: _replication(replica)["master_link_status"] == "up")
        assert _replication(master)["connected_slaves"] == 1
        master.close()
        replica.close()


def _replicate(replica: Any, master_id: str) -> bool:
    try:
        return bool(replica.execute_command("CLUSTER", "REPLICATE", master_id))
    except redis.ResponseError:  # the master not known as one yet
        return False
