"""Live settings: what a node needs done and what the provider's diff decides (pure), then the provider against
a real redis-server rendered like a container node (CONFIG SET, CONFIG REWRITE, a restart keeps them)."""

import socket
from pathlib import Path
from typing import Any, Dict

from pulumi.dynamic import ReadResult
from pulumi.runtime import rpc

from components.redis.config import RedisNodeConfig, parse_directives, render_auth_config, render_node_config
from components.redis.formation.live_settings import RedisLiveSettingsProvider
from components.redis.live_settings import (
    STARTING,
    LiveSettings,
    NodeSteps,
    aof_rewrite_problems,
    changed_keys,
    drift,
    live_settings,
    node_steps,
)
from components.redis.plan import MASTER, ClusterPlan, NodePlan, plan_cluster
from components.redis.settings import RedisClusterArgs

from .doubles.redis_server import RedisServer, free_port_pair

PASSWORD = "unit-Test-password-1"
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


def _props(port: int, **changes: Any) -> Dict[str, Any]:
    """One node at 127.0.0.1:port, as the resource's inputs hold it."""
    node = NodePlan(1, "redis-1", "127.0.0.1", port, port + 10000, MASTER, None, ())
    props = {
        "clusterName": "redis",
        "topology": ClusterPlan(nodes=(node,)).topology(),
        "endpoints": {"redis-1": {"host": "127.0.0.1", "port": port}},
        "password": PASSWORD,
        "containers": {"redis-1": "id-1"},
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


def test_a_real_node_takes_the_settings_live_and_keeps_them_across_a_restart(tmp_path: Path, redis_server_binary: str):
    """The file a container node is started with (starting values, the password included from auth.conf),
    then create, a restart on the rewritten file, an update that turns the AOF on, and drift."""
    auth = tmp_path / "auth.conf"
    auth.write_text(render_auth_config(PASSWORD))
    config = tmp_path / "redis.conf"
    config.write_text(
        render_node_config(
            RedisNodeConfig(
                node_name="redis-1", announce_ip="127.0.0.1", data_dir=str(tmp_path), auth_include=str(auth)
            )
        )
    )
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
