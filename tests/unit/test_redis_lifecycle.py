"""RedisCluster's lifecycle as the dependency graph it registers: which resource waits for which, on a new
cluster and on one an earlier `up` formed (a 3x1 cluster, under Pulumi mocks and a fake engine).

The order it spells out (RedisCluster.lifecycle): the password; the network, the roll plan and the image;
the nodes, each a volume and a container with its roll step; the slot seed; the live settings; the formation.
And what the whole cluster's destroy skips: every node's delete, the formation's, for the teardown's.
"""

import ipaddress
from pathlib import Path
from typing import Dict, Set

import pytest

from components.engine.inventory import EngineNetwork
from components.labels import PROJECT_LABEL, PROJECT_VALUE, STACK_LABEL
from components.redis import node_files
from components.redis.cluster import RedisCluster
from components.redis.model.cluster_args import RedisClusterArgs

from .doubles.inventory import FakeInventory
from .doubles.pulumi_mocks import Deployment, run_program

STACK = "unit"
MASTERS = ("redis-1", "redis-2", "redis-3")
REPLICAS = {"redis-4": "redis-1", "redis-5": "redis-2", "redis-6": "redis-3"}  # replica -> its master
NODES = (*MASTERS, *REPLICAS)
ROLL_ORDER = ("redis-4", "redis-5", "redis-6", "redis-1", "redis-2", "redis-3")  # replicas first
PASSWORDS = {"redis-password", "redis-starting-password"}


def waits_for(deployment: Deployment) -> Dict[str, Set[str]]:
    """Each resource of the engine or of a provider (not the components) -> the resources it waits for."""
    names = {r.urn: r.name for r in deployment.resources}
    return {r.name: {names[u] for u in r.dependencies if u in names} for r in deployment.resources if r.custom}


def lifecycle(formed: bool) -> Dict[str, Set[str]]:
    """The expected graph, in the order things happen."""
    rolled = {*NODES, *(f"{node}-roll" for node in NODES)}
    graph: Dict[str, Set[str]] = {
        # 1. The password, and the first one every container's auth.conf holds.
        "redis-password": set(),
        "redis-starting-password": {"redis-password"},
        # 2. The network, the roll plan's check, the image (which on a formed cluster waits for that check);
        #    the teardown, which removes every node at once when the whole cluster goes, before the network.
        "redis-network": set(),
        "redis-roll-plan": set(),
        "redis-image": {"redis-roll-plan"} if formed else set(),
        "redis-teardown": {"redis-network"},
    }
    # 3. The nodes: a volume and a container each, and the container's roll step.
    for node in NODES:
        graph[f"{node}-data"] = set()
        graph[node] = {f"{node}-data", "redis-image", "redis-network", "redis-starting-password"}
        graph[f"{node}-roll"] = {node, *PASSWORDS}
    if formed:  # one at a time, replicas first: each after the previous node's step (the first after the plan)
        for previous, node in zip(("redis-roll-plan", *(f"{n}-roll" for n in ROLL_ORDER)), ROLL_ORDER):
            graph[node].add(previous)
    else:  # all together, but each replica after its master
        for replica, master in REPLICAS.items():
            graph[replica].add(master)
    # 4. The seed: the masters' containers alone. 5. The live settings: every node, rolled.
    graph["redis-slots"] = {*MASTERS, "redis-password"}
    graph["redis-live-settings"] = {*rolled, *PASSWORDS}
    # 6. The formation, last.
    graph["redis-formation"] = {*rolled, "redis-slots", "redis-live-settings", "redis-password"}
    return graph


def deploy(inventory: FakeInventory, formed: bool) -> Deployment:
    if formed:  # the network an earlier `up` made: the sign of a formed cluster
        labels = {PROJECT_LABEL: PROJECT_VALUE, STACK_LABEL: STACK}
        subnet = (ipaddress.IPv4Network("10.38.0.0/24"),)
        inventory.networks.append(EngineNetwork(name="redis", id="r" * 64, subnets=subnet, labels=labels))
    deployment, _ = run_program(lambda: RedisCluster("redis", RedisClusterArgs()), stack=STACK)
    return deployment


@pytest.mark.parametrize("formed", [False, True], ids=["new cluster", "formed cluster"])
def test_the_lifecycle_registers_what_waits_for_what(
    fake_inventory: FakeInventory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, formed: bool
):
    monkeypatch.setattr(node_files, "BUILD_ROOT", tmp_path)
    graph, expected = waits_for(deploy(fake_inventory, formed)), lifecycle(formed)
    assert set(graph) == set(expected), (
        f"resources: extra {set(graph) - set(expected)}, missing {set(expected) - set(graph)}"
    )
    wrong = {name: (graph[name], wanted) for name, wanted in expected.items() if graph[name] != wanted}
    assert wrong == {}, "resource: (waits for, should wait for) " + repr(wrong)


def test_the_whole_cluster_goes_with_its_teardown(fake_inventory: FakeInventory, tmp_path, monkeypatch):
    """On a destroy Pulumi calls no delete of the nodes' containers and volumes, nor the formation's (which
    would reset nodes that are going): the teardown removes them all at once."""
    monkeypatch.setattr(node_files, "BUILD_ROOT", tmp_path)
    deployment = deploy(fake_inventory, formed=True)
    teardown = deployment.named("redis-teardown")
    with_it = {r.name for r in deployment.resources if r.deleted_with == teardown.urn}
    assert with_it == {*NODES, *(f"{node}-data" for node in NODES), "redis-formation"}
    assert teardown.inputs["containers"] == list(NODES)
    assert teardown.inputs["volumes"] == [f"{node}-data" for node in NODES]
