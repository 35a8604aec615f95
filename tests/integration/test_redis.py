"""Scenario 4 on a real engine: `pulumi up -s redis` gives a working Redis Cluster, and `destroy` cleans up.

The tests run in file order against one deployed stack: the facts of SCENARIOS.md first, then a second
`up` that must change nothing, the tutorial's failover, and last the destroy. The nodes carry the run's
prefix (redis-1 is `run.name("redis-1")` on the engine and in the outputs), on the run's subnet and ports.
"""

import os
import subprocess
import time
from types import SimpleNamespace
from typing import Dict, Iterator, List

import pytest
import redis
from redis.cluster import key_slot

from harness.redis_view import ClusterRow, RedisView
from tests.integration import engine
from tests.integration.redis_checks import Printed, changes

pytestmark = pytest.mark.integration

STACK = "redis"
FAILOVER_LIMIT_SECONDS = 60


@pytest.fixture(scope="module")
def nodes(run) -> List[str]:
    """The six nodes' engine names, in the tutorial's order."""
    return [run.name(f"redis-{i}") for i in range(1, 7)]


@pytest.fixture(scope="module")
def deployed(project, run) -> Iterator[SimpleNamespace]:
    stack = project.stack(STACK)
    preview = Printed()
    stack.preview(on_output=preview, diff=True)
    up = Printed()
    started = time.monotonic()
    result = stack.up(on_output=up)
    print(f"first up took {time.monotonic() - started:.1f}s")
    outputs = stack.outputs()
    view = RedisView.of(stack)
    state = SimpleNamespace(
        stack=stack,
        preview=preview,
        up=up,
        result=result,
        outputs=outputs,
        view=view,
        password=view.password,
        nodes=view.nodes,
        subnet=run.subnet(STACK),
        base_port=run.port_base(STACK),
    )  # as the run set them
    yield state
    stack.destroy(on_output=print)  # the last test destroyed it, unless a test failed before


def _node(deployed, name: str) -> redis.Redis:
    return deployed.view.node(name)


def _cluster_nodes(deployed, name: str) -> List[ClusterRow]:
    return deployed.view.cluster_nodes(name)


def test_every_node_reports_cluster_state_ok(deployed, nodes):
    for name in nodes:
        info = _node(deployed, name).execute_command("CLUSTER", "INFO")
        assert "cluster_state:ok" in info, (name, info)
        assert "cluster_slots_assigned:16384" in info and "cluster_known_nodes:6" in info
    assert deployed.outputs["healthy"].value is True


def test_three_masters_and_three_replicas_each_following_a_different_master(deployed, nodes):
    rows = _cluster_nodes(deployed, nodes[0])
    masters = [r for r in rows if r.is_master]
    replicas = [r for r in rows if "slave" in r.flags]
    assert len(masters) == 3 and len(replicas) == 3
    assert sorted(r.master for r in replicas) == sorted(m.node_id for m in masters)
    by_ip = {r.ip: r for r in rows}
    for name in nodes:
        assert deployed.nodes[name]["ip"] in by_ip  # every node announces its container IP


def test_all_slots_are_covered_exactly_once_and_every_node_agrees(deployed, nodes):
    maps = []
    for name in nodes:
        owned: Dict[int, str] = {}
        for row in _cluster_nodes(deployed, name):
            for token in row.slots:
                start, _, end = token.partition("-")
                for slot in range(int(start), int(end or start) + 1):
                    assert slot not in owned, f"slot {slot} twice"
                    owned[slot] = row.node_id
        assert sorted(owned) == list(range(16384)), name
        maps.append(owned)
    assert all(m == maps[0] for m in maps)


def test_outputs_describe_the_cluster_and_how_to_connect(deployed, nodes, run):
    outputs = deployed.outputs
    assert outputs["password"].secret is True and len(deployed.password) >= 16
    described = deployed.nodes
    assert list(described) == nodes
    # The tutorial's pattern (.11 ... .16, base port + N) on the run's subnet and ports.
    assert [described[n]["ip"] for n in nodes] == [str(deployed.subnet.network_address + 10 + i) for i in range(1, 7)]
    assert [described[n]["hostPort"] for n in nodes] == [deployed.base_port + i for i in range(1, 7)]
    assert [described[n]["role"] for n in nodes] == ["master"] * 3 + ["replica"] * 3
    assert [described[n]["master"] for n in nodes[3:]] == nodes[:3]
    assert described[nodes[0]]["slots"] == ["0-5461"]
    assert outputs["network"].value == {
        "name": run.name("redis"),
        "subnet": str(deployed.subnet),
        "gateway": str(deployed.subnet.network_address + 1),
    }
    connect = outputs["connect"].value
    assert "redis-cli -c" in connect["redisCliFromHost"] and "address_remap" in connect["redisPy"]


def test_ports_are_published_on_loopback_only(deployed, docker_client, nodes):
    for name in nodes:
        bindings = docker_client.containers.get(name).attrs["HostConfig"]["PortBindings"]
        assert {b["HostIp"] for values in bindings.values() for b in values} == {"127.0.0.1"}, name


def test_the_password_is_never_shown_in_plain_text(deployed):
    assert deployed.password not in deployed.preview.text
    assert deployed.password not in deployed.up.text
    # What a person runs (the Automation API's export_stack adds --show-secrets).
    workspace = deployed.stack.workspace
    exported = subprocess.run(
        ["pulumi", "stack", "export", "--stack", STACK],
        cwd=workspace.work_dir,
        env={**os.environ, **(workspace.env_vars or {})},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert '"ciphertext"' in exported and deployed.password not in exported
    assert deployed.password not in deployed.stack.preview().stdout


def test_redis_cli_follows_the_redirect_like_the_tutorial(deployed, nodes):
    code, output = engine.exec_in(
        nodes[0], "redis-cli", "-c", "-a", deployed.password, "--no-auth-warning", "set", "a", "b"
    )
    assert code == 0 and "OK" in output
    code, output = engine.exec_in(nodes[3], "redis-cli", "-c", "-a", deployed.password, "--no-auth-warning", "get", "a")
    assert code == 0 and output.strip().endswith("b")


def _key_on_each_master(deployed) -> Dict[str, str]:
    """A key per master, found by computing slots the way Redis does."""
    ranges = {
        n["name"]: [tuple(map(int, r.split("-"))) for r in n["slots"]]
        for n in deployed.nodes.values()
        if n["role"] == "master"
    }
    keys: Dict[str, str] = {}
    for i in range(10000):
        key = f"key-{i}"
        slot = key_slot(key.encode())
        for name, owned in ranges.items():
            if name not in keys and any(a <= slot <= b for a, b in owned):
                keys[name] = key
        if len(keys) == len(ranges):
            return keys
    raise AssertionError("no key found for some master")


def test_set_and_get_through_redis_py_on_every_master(deployed):
    client = deployed.view.cluster()
    try:
        for master, key in _key_on_each_master(deployed).items():
            assert client.set(key, f"value-on-{master}")
            assert client.get(key) == f"value-on-{master}"
            # And it really lives on that master.
            assert _node(deployed, master).execute_command("GET", key) == f"value-on-{master}"
    finally:
        client.close()


def test_an_unauthenticated_client_is_refused(deployed, nodes):
    for name in (nodes[0], nodes[3]):
        anonymous = redis.Redis(host="127.0.0.1", port=deployed.nodes[name]["hostPort"])
        with pytest.raises(redis.AuthenticationError):
            anonymous.get("a")
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(host="127.0.0.1", port=deployed.nodes[nodes[0]]["hostPort"], password="wrong").ping()


def test_a_second_up_changes_nothing(deployed):
    result = deployed.stack.up(on_output=print)
    assert changes(result) == {}


def test_failover_the_replica_takes_over_and_the_key_is_still_there(deployed, docker_client, nodes):
    client = deployed.view.cluster()
    try:
        client.set("a", "b")
        master = deployed.view.owner_of("a", asking=nodes[1])
        docker_client.containers.get(master).stop(timeout=1)
        stopped = time.monotonic()
        value, last_error = None, None
        while time.monotonic() - stopped < FAILOVER_LIMIT_SECONDS:
            try:
                value = client.get("a")
                if value == "b":
                    break
            except redis.RedisError as error:  # the cluster is failing over: keep asking, bounded
                last_error = error
            time.sleep(0.5)
        took = time.monotonic() - stopped
        print(f"failover: 'a' readable again {took:.1f}s after stopping {master}")
        assert value == "b", f"not readable after {took:.0f}s: {last_error}"
        new_owner = deployed.view.owner_of("a", asking=nodes[1])
        assert new_owner != master
    finally:
        client.close()
    # The old master comes back as a replica of its successor.
    docker_client.containers.get(master).start()
    deadline = time.monotonic() + FAILOVER_LIMIT_SECONDS
    while True:
        try:
            if "slave" in deployed.view.myself(master).flags and "cluster_state:ok" in _node(
                deployed, master
            ).execute_command("CLUSTER", "INFO"):
                break
        except redis.RedisError:
            pass
        assert time.monotonic() < deadline, f"{master} did not rejoin as a replica"
        time.sleep(0.5)


def test_a_failover_is_not_drift_and_up_with_refresh_reports_the_new_roles(deployed, nodes):
    assert changes(deployed.stack.up(on_output=print)) == {}
    # Stack outputs are recomputed by a run of the program; --refresh first reads the live roles.
    deployed.stack.up(on_output=print, refresh=True)
    roles = {n["name"]: n["role"] for n in deployed.stack.outputs()["nodes"].value}
    live = {name: ("master" if deployed.view.myself(name).is_master else "replica") for name in nodes}
    assert roles == live
    assert sorted(live.values()) == ["master"] * 3 + ["replica"] * 3


def test_destroy_leaves_no_container_network_or_volume(deployed, docker_client, nodes, run):
    deployed.stack.destroy(on_output=print)
    for kind in engine.KINDS:
        assert engine.labelled(kind, STACK, run.prefix) == [], kind
    # Nor anything of the run's names, labelled or not.
    names = {c.name for c in docker_client.containers.list(all=True, ignore_removed=True)}
    assert not names & set(nodes)
    assert run.name("redis") not in {n.name for n in docker_client.networks.list()}
    assert not {f"{node}-data" for node in nodes} & {v.name for v in docker_client.volumes.list()}
