"""The swarm stack on the local three-node Swarm: the redis stack's RedisCluster with its six nodes as
services on three hosts, every fact read from the engines and the nodes, then faults across hosts.

Order (module fixtures, each observed once): deploy; a task killed (Swarm restarts it, it rejoins by
itself); a whole engine stopped (its masters' replicas take over, every key acknowledged by a replica
stays readable); the engine back and `pulumi up --refresh` (the cluster whole, no key lost); destroy.
Recovery times are printed as `TIMING ...` lines (never asserted). Traffic goes to the Swarm's nodes only.
"""

import base64
import json
import subprocess
import time
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Mapping

import pytest

from harness.isolation import RunIsolation
from harness.swarm_redis_view import SwarmRedisView
from harness.waiting import wait_until

from .conftest import ProjectWorkspace
from .redis_checks import keys_for_every_master, missing_keys, timed, write_acknowledged
from .swarm import LocalSwarm, left_after_destroy, wait_for

pytestmark = pytest.mark.integration

STACK = "swarm"
MASTERS, REPLICAS_PER_MASTER = 3, 1
CONFIG_FILE = "/usr/local/etc/redis/redis.conf"
AUTH_FILE = "/usr/local/etc/redis/auth.conf"


def view_of(outputs: Mapping[str, Any]) -> SwarmRedisView:
    return SwarmRedisView(password=outputs["password"], nodes={n["name"]: n for n in outputs["nodes"]}, address_map={})


@dataclass
class Deployed:
    workspace: ProjectWorkspace
    stack: Any
    outputs: Dict[str, Any]
    view: SwarmRedisView
    run: RunIsolation


@pytest.fixture(scope="module")
def deployed(on_swarm: ProjectWorkspace, swarm: LocalSwarm) -> Iterator[Deployed]:
    run, workspace = on_swarm.run, on_swarm
    config = {
        "redis": {
            "network": {"subnet": str(run.subnet(STACK))},
            "basePort": run.port_base(STACK),
            "busBasePort": run.port_base(f"{STACK}-bus"),
        },
        "swarm": {"nodeEngines": swarm.hosts},
    }
    try:
        stack = workspace.stack(STACK, config)
        result, _ = timed("swarm stack: pulumi up from nothing", lambda: stack.up(on_output=print))
        outputs = {key: value.value for key, value in result.outputs.items()}
        yield Deployed(workspace, stack, outputs, view_of(outputs), run)
    finally:
        for node in swarm.hosts:  # a fault test that failed half-way leaves no engine stopped (idempotent)
            swarm.start_node(node)  # before on_swarm's teardown destroys the stack


def service_spec(swarm: LocalSwarm, service: str) -> Dict[str, Any]:
    with swarm.engine(swarm.manager) as client:
        return client.services.get(service).attrs["Spec"]


def test_the_cluster_is_formed_and_healthy(deployed: Deployed):
    assert deployed.outputs["healthy"] is True
    assert deployed.view.problems(MASTERS, REPLICAS_PER_MASTER) == []


def test_six_services_on_three_hosts_no_master_beside_its_own_replica(deployed: Deployed, swarm: LocalSwarm):
    hosts = {name: swarm.task_container(name)[0] for name in deployed.view.names}
    assert len(set(hosts.values())) == 3
    masters = {name for name, node in deployed.view.nodes.items() if node["role"] == "master"}
    assert len({hosts[m] for m in masters}) == MASTERS  # one master per host
    for name, node in deployed.view.nodes.items():
        if node["role"] == "replica":
            assert hosts[name] != hosts[node["master"]], f"{name} runs beside its master {node['master']}"
        # Announced: the address of the host the task runs on.
        assert node["ip"] == swarm.addresses[hosts[name]]


def test_config_through_docker_configs_password_only_in_a_docker_secret(deployed: Deployed, swarm: LocalSwarm):
    password = deployed.outputs["password"]
    with swarm.engine(swarm.manager) as client:
        for name in deployed.view.names:
            spec = client.services.get(name).attrs["Spec"]
            container = spec["TaskTemplate"]["ContainerSpec"]
            (config,) = container["Configs"]
            (secret,) = container["Secrets"]
            assert (config["File"]["Name"], secret["File"]["Name"]) == (CONFIG_FILE, AUTH_FILE)
            assert password not in json.dumps(spec)
            data = client.configs.get(config["ConfigID"]).attrs["Spec"]["Data"]
            text = base64.b64decode(data).decode()
            assert "requirepass" not in text and password not in text
            assert f"cluster-announce-ip {deployed.view.nodes[name]['ip']}" in text
            assert "Data" not in client.secrets.get(secret["SecretID"]).attrs["Spec"]  # never read back
    # Nor in the stack's state: Pulumi keeps it encrypted (the Automation API's export decrypts, the CLI's not).
    exported = subprocess.run(
        ["pulumi", "stack", "export", "-s", STACK],
        cwd=deployed.workspace.root,
        env=deployed.workspace.env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "ciphertext" in exported.stdout and password not in exported.stdout


def test_each_nodes_data_volume_is_on_the_host_its_task_runs_on(deployed: Deployed, swarm: LocalSwarm):
    for name in deployed.view.names:
        node, container = swarm.task_container(name)
        mounts = {m["Destination"]: m for m in container.attrs["Mounts"]}
        assert mounts["/data"]["Name"] == f"{name}-data"
        with swarm.engine(node) as client:
            assert client.volumes.get(f"{name}-data").attrs["Labels"]["io.docker-networking.name-prefix"]


def test_clients_on_the_hosts_ports_and_inside_the_overlay(deployed: Deployed, swarm: LocalSwarm):
    keys = {f"client-{i}": f"v{i}" for i in range(50)}
    cluster = deployed.view.cluster()
    try:
        for key, value in keys.items():
            cluster.set(key, value)
    finally:
        cluster.close()
    assert missing_keys(deployed.view, keys) == []
    run, first = deployed.run, deployed.view.names[0]
    with swarm.engine(swarm.manager) as client:
        output = client.containers.run(
            "docker-networking/redis:local",
            [
                "redis-cli",
                "-c",
                "-h",
                first,
                "-p",
                str(deployed.view.nodes[first]["hostPort"]),
                "--no-auth-warning",
                "-a",
                deployed.outputs["password"],
                "get",
                "client-7",
            ],
            network=run.name("redis"),
            labels=run.labels,
            remove=True,
        )
    assert output.decode().strip() == "v7"


def test_a_killed_task_is_restarted_by_swarm_and_rejoins_by_itself(deployed: Deployed, swarm: LocalSwarm):
    view = deployed.view
    victim = next(name for name, node in view.nodes.items() if node["role"] == "replica")
    before = view.myself(victim)
    node, container = swarm.task_container(victim)
    old_id = str(container.id)
    started = time.monotonic()
    with swarm.engine(node) as client:
        client.containers.get(old_id).kill()
    wait_for(f"a new task of {victim}", lambda: (swarm.task_of(victim) or (None, old_id))[1] != old_id or None, 60)
    took = wait_until("the cluster whole again", lambda: view.problems(MASTERS, REPLICAS_PER_MASTER), timeout=90)
    print(f"TIMING swarm: task of {victim} killed -> restarted and rejoined: {time.monotonic() - started:.1f}s")
    after = view.myself(victim)
    assert (after.node_id, after.ip) == (before.node_id, before.ip)  # same node, same announced address
    assert took >= 0


def promoted(view: SwarmRedisView, lost_master: str) -> List[str]:
    """What is missing for the failover: the lost master still serving, or fewer masters than planned."""
    masters = view.masters(asking=view.names[0])
    if lost_master in masters:
        return [f"{lost_master} still counted as a master"]
    return [] if len(masters) == MASTERS else [f"{len(masters)} masters serve slots"]


@pytest.fixture(scope="module")
def engine_stopped(deployed: Deployed, swarm: LocalSwarm) -> Iterator[Dict[str, Any]]:
    """A whole engine stopped: the worker node that runs a master; keys written with WAIT 1 first."""
    view = deployed.view
    masters = {n: node["ip"] for n, node in view.nodes.items() if node["role"] == "master"}
    victim_master, down_host = swarm.host_to_stop(masters)
    down_address = swarm.addresses[down_host]
    keys = keys_for_every_master(view, 300, prefix="swarm-fault")
    write_acknowledged(view, keys, replicas=1)
    survivors = view.surviving(down_address)
    started = time.monotonic()
    swarm.stop_node(down_host)
    stopped = time.monotonic() - started
    took = wait_until(
        "the replicas of the stopped host's masters serving",
        lambda: promoted(survivors, victim_master),
        timeout=120,
    )
    print(f"TIMING swarm: engine of {down_host} stopped in {stopped:.1f}s, failover done {took:.1f}s later")
    yield {
        "keys": keys,
        "down_host": down_host,
        "down_address": down_address,
        "survivors": survivors,
        "victim": victim_master,
        "failover": took,
    }


def test_an_engine_stopped_its_masters_replicas_take_over_and_every_key_is_read(
    engine_stopped: Dict[str, Any], deployed: Deployed
):
    survivors = engine_stopped["survivors"]
    assert engine_stopped["victim"] not in survivors.masters()
    took = wait_until("every acknowledged key readable", lambda: missing_keys(survivors, engine_stopped["keys"]), 60)
    print(f"TIMING swarm: every acknowledged key readable {took:.1f}s after the failover")


@pytest.fixture(scope="module")
def engine_back(engine_stopped: Dict[str, Any], deployed: Deployed, swarm: LocalSwarm) -> Dict[str, Any]:
    started = time.monotonic()
    swarm.start_node(engine_stopped["down_host"])
    result, took = timed(
        "swarm: engine back -> pulumi up --refresh", lambda: deployed.stack.up(on_output=print, refresh=True)
    )
    print(f"TIMING swarm: engine started and cluster repaired in {time.monotonic() - started:.1f}s")
    return {"outputs": {k: v.value for k, v in result.outputs.items()}, "took": took}


def test_the_engine_back_an_up_refresh_makes_the_cluster_whole_with_no_key_lost(
    engine_back: Dict[str, Any], engine_stopped: Dict[str, Any], deployed: Deployed
):
    assert engine_back["outputs"]["healthy"] is True
    view = view_of(engine_back["outputs"])
    wait_until("the cluster whole", lambda: view.problems(MASTERS, REPLICAS_PER_MASTER), timeout=60)
    assert missing_keys(view, engine_stopped["keys"]) == []


def test_destroy_leaves_nothing_on_any_node(engine_back: Dict[str, Any], deployed: Deployed, swarm: LocalSwarm):
    deployed.stack.destroy(on_output=print)
    assert left_after_destroy(swarm, deployed.run.prefix) == {node: [] for node in swarm.hosts}
