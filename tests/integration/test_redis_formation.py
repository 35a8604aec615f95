"""The formation provider on real Redis containers, without Pulumi: create, read, diff, update, delete.

The nodes are started here with docker-py from the redis image of the test run, with the same rendered
redis.conf and auth file the stack uploads, on a private network of this module's own. The provider is
called the way the dynamic-provider process calls it, with plain property dicts. Names, labels, subnet
and ports are the run's (harness.isolation), so the session's cleanup finds whatever is left, and the
module runs beside a person's `redis` stack.
"""

import dataclasses
import io
import ipaddress
import os
import tarfile
import time
from typing import Any, Dict, Iterator, List, Union

import docker
import pytest
import redis
from pulumi.dynamic import CreateResult, ReadResult, UpdateResult

from components.engine.docker_api import docker_client
from components.labels import STACK_LABEL
from components.redis.cluster import node_config
from components.redis.model.cluster_args import RedisClusterArgs
from components.redis.model.cluster_state import health_problems
from components.redis.model.config import AUTH_PATH, CONFIG_PATH, SERVER_COMMAND, render_auth_config, render_node_config
from components.redis.model.plan import plan_cluster, slots_of
from components.redis.resources.formation import FormationSpec, RedisFormationProvider, observe, reset_nodes
from components.redis.resources.slot_seed import RedisSlotSeedProvider
from harness.isolation import RunIsolation
from tests.conftest import skipping_allowed

pytestmark = pytest.mark.integration

IMAGE = os.environ.get("DOCKER_NETWORKING_REDIS_IMAGE", "docker-networking/redis:local")
PURPOSE = "formation-it"  # of the run's subnet and ports, and the nodes' stack label
PASSWORD = "formation-test-Secret-1"


@dataclasses.dataclass(frozen=True)
class Cluster:
    """This module's cluster in the run: nodes <prefix>formation-it-1 ..., the run's subnet, and ports
    the run found free (below the ephemeral range, where a port may be taken by any outgoing connection
    or plugin server; seen: 36374 in use, the node could not publish it)."""

    name: str
    args: RedisClusterArgs
    labels: Dict[str, str]

    @classmethod
    def of(cls, run: RunIsolation) -> "Cluster":
        args = RedisClusterArgs(
            subnet=str(run.subnet(PURPOSE)),
            base_port=run.port_base(PURPOSE),
            bus_base_port=run.port_base(f"{PURPOSE}-bus"),
            password=PASSWORD,
            formation_timeout_seconds=90,
        )
        return cls(name=run.name(PURPOSE), args=args, labels={**run.labels, STACK_LABEL: PURPOSE})

    def address(self, offset: int) -> str:
        return str(ipaddress.IPv4Network(self.args.subnet).network_address + offset)


def _tar(files: Dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for path, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(path.lstrip("/"))
            info.size, info.mode = len(data), 0o644
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _start_node(client: docker.DockerClient, cluster: Cluster, node: Any, network_name: str) -> None:
    volume = client.volumes.create(f"{node.name}-data", labels=cluster.labels)
    container = client.containers.create(
        IMAGE,
        list(SERVER_COMMAND),
        name=node.name,
        labels=cluster.labels,
        detach=True,
        ports={"6379/tcp": ("127.0.0.1", node.host_port), "16379/tcp": ("127.0.0.1", node.bus_host_port)},
        volumes={volume.name: {"bind": "/data", "mode": "rw"}},
        network=network_name,
        networking_config={network_name: docker.types.EndpointConfig(client.api.api_version, ipv4_address=node.ip)},
    )
    container.put_archive(
        "/",
        _tar(
            {CONFIG_PATH: render_node_config(node_config(node, cluster.args)), AUTH_PATH: render_auth_config(PASSWORD)}
        ),
    )
    container.start()


def _outs(result: Union[CreateResult, ReadResult, UpdateResult]) -> Dict[str, Any]:
    """The outputs a provider returned: Pulumi's types allow none, these providers always give them."""
    assert result.outs is not None, "the provider returned no outputs"
    return result.outs


def _remove_node(client: docker.DockerClient, name: str) -> None:
    for found in client.containers.list(all=True, filters={"name": f"^{name}$"}):
        found.remove(force=True)
    for volume in client.volumes.list(filters={"name": f"{name}-data"}):
        if volume.name == f"{name}-data":
            volume.remove(force=True)


@pytest.fixture(scope="module")
def nodes(run: RunIsolation, clean_engine: None) -> Iterator[Dict]:
    cluster = Cluster.of(run)
    client = docker_client()
    try:
        client.ping()
        client.images.get(IMAGE)
    except Exception as error:  # noqa: BLE001 - no engine or no image: the run cannot test this
        if skipping_allowed():
            pytest.skip(f"no engine or image {IMAGE}: {error}")
        pytest.fail(f"no engine or image {IMAGE}: {error} (run `make setup`)", pytrace=False)
    plan = plan_cluster(cluster.name, cluster.args)
    network = client.networks.create(
        f"{cluster.name}-net",
        driver="bridge",
        labels=cluster.labels,
        ipam=docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet=cluster.args.subnet)]),
    )
    network_name = network.name
    assert network_name is not None  # the engine named it as asked
    try:
        for node in plan.nodes:
            _start_node(client, cluster, node, network_name)
        props = {
            "clusterName": cluster.name,
            "topology": plan.topology(),
            "endpoints": plan.endpoints("127.0.0.1"),
            "password": PASSWORD,
            "containers": {n.name: n.name for n in plan.nodes},
            "timeoutSeconds": cluster.args.formation_timeout_seconds,
        }
        yield {"client": client, "cluster": cluster, "plan": plan, "props": props, "network": network_name}
    finally:
        for node in plan.nodes:
            _remove_node(client, node.name)
        network.remove()
        client.close()


def _problems(props) -> List[str]:
    spec = FormationSpec.from_props(props)
    return health_problems(observe(spec), len(spec.plan.masters), spec.plan.replicas_per_master)


def test_create_forms_the_planned_cluster(nodes):
    provider = RedisFormationProvider()
    started = time.monotonic()
    result = provider.create(dict(nodes["props"]))
    print(f"formed in {time.monotonic() - started:.1f}s")
    outs = _outs(result)
    assert outs["healthy"] is True, outs["problems"]
    live = outs["live"]
    plan = nodes["plan"]
    for node in plan.nodes:
        assert live[node.name]["role"] == node.role
        assert live[node.name]["master"] == node.master
    assert live[plan.nodes[0].name]["slots"] == ["0-5461"]
    nodes["outs"] = outs


def test_create_again_adopts_the_formed_cluster(nodes):
    outs = _outs(RedisFormationProvider().create(dict(nodes["props"])))
    assert outs["healthy"] and outs["nodeIds"] == nodes["outs"]["nodeIds"]


def test_diff_and_read_see_no_drift_on_a_healthy_cluster(nodes):
    provider = RedisFormationProvider()
    olds = nodes["outs"]
    assert provider.diff("id", olds, dict(nodes["props"])).changes is False
    assert _outs(provider.read("id", olds))["healthy"] is True


def test_diff_replaces_on_a_moved_node_and_updates_on_a_new_plan_or_password(nodes):
    provider = RedisFormationProvider()
    olds = nodes["outs"]
    moved = [dict(n) for n in olds["topology"]]
    moved[0]["ip"] = nodes["cluster"].address(99)
    replaced = provider.diff("id", olds, {**nodes["props"], "topology": moved})
    assert replaced.replaces == ["topology"] and replaced.delete_before_replace is True
    reshaped = [dict(n) for n in olds["topology"]]
    reshaped[0]["slots"] = [[0, 100]]
    resharded = provider.diff("id", olds, {**nodes["props"], "topology": reshaped})
    assert resharded.changes is True and not resharded.replaces
    updated = provider.diff("id", olds, {**nodes["props"], "password": "another-one"})
    assert updated.changes is True and not updated.replaces


def test_wrong_password_is_refused(nodes):
    endpoint = nodes["props"]["endpoints"][nodes["plan"].nodes[0].name]
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(host=endpoint["host"], port=endpoint["port"], password="wrong").ping()
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(host=endpoint["host"], port=endpoint["port"]).get("a")


def test_a_node_that_lost_its_data_rejoins_on_update(nodes):
    """Drift: a replica recreated with an empty volume. diff sees it; update repairs it."""
    client, plan = nodes["client"], nodes["plan"]
    replica = plan.replicas[-1]
    _remove_node(client, replica.name)
    _start_node(client, nodes["cluster"], replica, nodes["network"])
    provider = RedisFormationProvider()
    assert provider.diff("id", nodes["outs"], dict(nodes["props"])).changes is True
    refreshed = _outs(provider.read("id", nodes["outs"]))
    assert refreshed["healthy"] is False and refreshed["problems"]
    outs = _outs(provider.update("id", refreshed, dict(nodes["props"])))
    assert outs["healthy"] is True, outs["problems"]
    assert outs["live"][replica.name]["role"] == "replica"
    assert outs["nodeIds"][replica.name] != nodes["outs"]["nodeIds"][replica.name]
    nodes["outs"] = outs


def test_a_master_that_lost_its_data_comes_back_as_a_replica_of_its_successor(nodes):
    client, plan = nodes["client"], nodes["plan"]
    master = plan.masters[0]
    _remove_node(client, master.name)
    _start_node(client, nodes["cluster"], master, nodes["network"])
    started = time.monotonic()
    outs = _outs(RedisFormationProvider().update("id", nodes["outs"], dict(nodes["props"])))
    print(f"repaired in {time.monotonic() - started:.1f}s")
    assert outs["healthy"] is True, outs["problems"]
    successor = outs["live"][master.name]["master"]
    assert outs["live"][master.name]["role"] == "replica"
    assert outs["live"][successor]["slots"] == ["0-5461"]
    nodes["outs"] = outs


def _node_client(nodes, name: str) -> redis.Redis:
    endpoint = nodes["props"]["endpoints"][name]
    return redis.Redis(host=endpoint["host"], port=int(endpoint["port"]), password=PASSWORD, decode_responses=True)


def test_a_slot_left_half_way_through_a_move_is_finished_by_the_next_update(nodes):
    """An `up` interrupted mid-reshard: a slot MIGRATING/IMPORTING with some of its keys moved already.
    drift is seen, and the update finishes the move without losing a key."""
    from redis.crc import key_slot

    outs = nodes["outs"]
    live = outs["live"]
    source, destination = sorted(name for name, row in live.items() if row["role"] == "master")[:2]
    first, last = (int(x) for x in live[source]["slots"][0].split("-"))
    tag = next(f"t{i}" for i in range(10_000) if first <= key_slot(f"{{t{i}}}".encode()) <= last)
    slot = key_slot(f"{{{tag}}}".encode())
    keys = {f"{{{tag}}}:{i}": f"value-{i}" for i in range(40)}
    src, dst = _node_client(nodes, source), _node_client(nodes, destination)
    try:
        for key, value in keys.items():
            src.set(key, value)
        src_id, dst_id = src.execute_command("CLUSTER", "MYID"), dst.execute_command("CLUSTER", "MYID")
        dst.execute_command("CLUSTER", "SETSLOT", slot, "IMPORTING", src_id)
        src.execute_command("CLUSTER", "SETSLOT", slot, "MIGRATING", dst_id)
        half = sorted(keys)[: len(keys) // 2]
        dst_ip = next(node.ip for node in nodes["plan"].nodes if node.name == destination)
        src.execute_command("MIGRATE", dst_ip, 6379, "", 0, 5000, "AUTH", PASSWORD, "KEYS", *half)
        # Interrupted here: half the keys on each side, the slot open on both.
        assert any("half-way through a move" in p for p in _problems(nodes["props"]))
        provider = RedisFormationProvider()
        assert provider.diff("id", outs, dict(nodes["props"])).changes is True
        outs = _outs(provider.update("id", outs, dict(nodes["props"])))
        assert outs["healthy"] is True, outs["problems"]
        assert dst.execute_command("CLUSTER", "COUNTKEYSINSLOT", slot) == len(keys)
        assert {key: dst.get(key) for key in keys} == keys
        assert str(slot) in outs["live"][destination]["slots"]
        nodes["outs"] = outs
    finally:
        src.close()
        dst.close()


def test_delete_leaves_every_node_blank(nodes):
    RedisFormationProvider().delete("id", nodes["outs"])
    for obs in observe(FormationSpec.from_props(nodes["props"])):
        assert obs.is_blank, obs
    # And a blank set of nodes can be formed again.
    outs = _outs(RedisFormationProvider().create(dict(nodes["props"])))
    assert outs["healthy"] is True
    reset_nodes(FormationSpec.from_props(nodes["props"]))


def test_slot_seed_seeds_a_new_clusters_masters_and_leaves_a_formed_one_alone(nodes):
    """After the last test's reset the nodes are blank: a new cluster, whose masters the seed seeds."""
    props = dict(nodes["props"])
    spec = FormationSpec.from_props(props)
    assert _outs(RedisSlotSeedProvider().create(dict(props)))["seeded"] is True
    epochs = {node.name: epoch for epoch, node in enumerate(spec.plan.nodes, start=1)}
    for obs in observe(spec):
        node = spec.plan.node(obs.name)
        assert len(obs.entries) == 1, obs  # it met nobody: meeting is the formation's
        me = obs.myself
        assert me is not None, obs
        if node.role == "master":
            assert slots_of(me.slots) == slots_of(node.slots)
            assert obs.info["cluster_my_epoch"] == str(epochs[node.name])
        else:
            assert not me.slots and obs.info["cluster_my_epoch"] == "0"
    outs = _outs(RedisFormationProvider().create(dict(props)))
    assert outs["healthy"] is True, outs["problems"]
    assert outs["live"][spec.plan.nodes[0].name]["slots"] == ["0-5461"]
    # Formed now: a seed (an upgraded stack's, say) leaves it as it is.
    assert _outs(RedisSlotSeedProvider().create(dict(props)))["seeded"] is False
    assert _outs(RedisFormationProvider().read("id", outs))["nodeIds"] == outs["nodeIds"]
    reset_nodes(spec)
