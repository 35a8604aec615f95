"""The overlay stack on the local three-node Swarm (scripts/swarm/swarm.sh, started here when it is not
up): the tutorial's mynet across hosts, every fact read from the engines themselves.

The stack goes up without tomcat01's connection, then with it, then is destroyed; a module fixture
observes each state as soon as it is reached, and the tests assert on what was observed. Names carry
the run's prefix (harness.isolation), the overlay takes a subnet of the run's, and the tests remove only
what they made (the stack, and a bridge network one of them creates on a node).
"""

import ipaddress
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Dict, Iterator, List, Optional

import docker
import pytest
from docker.models.containers import Container
from pulumi import automation as auto

from harness.isolation import RunIsolation

from .conftest import ProjectWorkspace
from .swarm import LocalSwarm, http_status, left_after_destroy, resolve, wait_for

pytestmark = pytest.mark.integration

STACK = "overlay"
SERVICES = ("tomcat-net-01", "tomcat-net-02")


def settings(run: RunIsolation, swarm: LocalSwarm, connect: bool) -> Dict[str, Any]:
    return {
        STACK: {
            "network": {"subnet": str(run.subnet(STACK))},
            "connectTomcat01": connect,
            "nodeEngines": swarm.hosts,
        }
    }


@dataclass
class Tomcat01:
    container_id: str
    started_at: str
    restart_count: int
    networks: Dict[str, str]
    resolves: Dict[str, Optional[str]]
    http: Dict[str, str]


@dataclass
class Observed:
    outputs: Dict[str, Any]
    tomcat01: Tomcat01
    task_nodes: Dict[str, str] = field(default_factory=dict)  # service -> hostname its task runs on
    task_ips: Dict[str, str] = field(default_factory=dict)  # service -> its task's address on the overlay
    lookups: Dict[str, Optional[str]] = field(default_factory=dict)  # "a->b": address a resolves b to
    http: Dict[str, str] = field(default_factory=dict)  # "a->b": HTTP status a gets from b


def observe_tomcat01(swarm: LocalSwarm, run: RunIsolation) -> Tomcat01:
    with swarm.engine(swarm.manager) as client:
        container = client.containers.get(run.name("tomcat01"))
        attrs = container.attrs
        return Tomcat01(
            container_id=attrs["Id"],
            started_at=attrs["State"]["StartedAt"],
            restart_count=attrs["RestartCount"],
            networks={name: net["IPAddress"] for name, net in attrs["NetworkSettings"]["Networks"].items()},
            resolves={s: resolve(container, run.name(s)) for s in SERVICES},
            http={s: http_status(container, f"http://{run.name(s)}:8080/") for s in SERVICES},
        )


def http_ok(container: Container, url: str) -> Optional[str]:
    code = http_status(container, url)
    return code if code == "200" else None


def observe_services(swarm: LocalSwarm, run: RunIsolation, observed: Observed) -> None:
    containers = {}
    for service in SERVICES:
        node, container = swarm.task_container(run.name(service))
        observed.task_nodes[service] = node
        observed.task_ips[service] = container.attrs["NetworkSettings"]["Networks"][run.name("mynet")]["IPAddress"]
        containers[service] = container
    for source, target in (SERVICES, tuple(reversed(SERVICES))):
        key, url = f"{source}->{target}", f"http://{run.name(target)}:8080/"
        observed.lookups[key] = resolve(containers[source], run.name(target))
        # Tomcat opens its port seconds after its task starts.
        observed.http[key] = wait_for(f"HTTP {key}", partial(http_ok, containers[source], url), timeout=120)


@pytest.fixture(scope="module")
def states(on_swarm: ProjectWorkspace, swarm: LocalSwarm) -> Iterator[Dict[str, Any]]:
    run = on_swarm.run
    found: Dict[str, Any] = {}
    stack = on_swarm.stack(STACK, settings(run, swarm, connect=False))
    # From nothing: the overlay's ID, which the services and the connection take, is not known yet.
    found["first_preview"] = stack.preview(on_output=print).change_summary
    outputs = {k: v.value for k, v in stack.up(on_output=print).outputs.items()}
    before = Observed(outputs=outputs, tomcat01=observe_tomcat01(swarm, run))
    found["unconnected"] = before
    on_swarm.set_config(stack, STACK, settings(run, swarm, connect=True)[STACK])
    outputs = {k: v.value for k, v in stack.up(on_output=print).outputs.items()}
    after = Observed(outputs=outputs, tomcat01=observe_tomcat01(swarm, run))
    observe_services(swarm, run, after)
    found["connected"] = after
    found["preview"] = stack.preview(on_output=print).change_summary
    yield found


@pytest.fixture(scope="module")
def destroyed(states: Dict[str, Any], on_swarm: ProjectWorkspace, swarm: LocalSwarm) -> Dict[str, List[str]]:
    on_swarm.stacks[STACK].destroy(on_output=print)
    return left_after_destroy(swarm, on_swarm.run.prefix)


def test_services_run_on_different_nodes_none_on_the_manager(states: Dict[str, Any], swarm: LocalSwarm):
    connected = states["connected"]
    nodes = connected.task_nodes
    assert set(nodes) == set(SERVICES)
    assert len({*nodes.values(), swarm.manager}) == 3, nodes
    assert {s: connected.outputs["services"][s]["node"] for s in SERVICES} == nodes


def test_services_resolve_each_other_by_name_across_hosts(states: Dict[str, Any], run: RunIsolation):
    connected = states["connected"]
    subnet = ipaddress.IPv4Network(connected.outputs["network"]["subnet"])
    assert subnet == run.subnet(STACK)
    for key, address in connected.lookups.items():
        target = key.split("->")[1]
        assert address == connected.task_ips[target], key  # dnsrr: the name is the task's own address
        assert ipaddress.IPv4Address(address) in subnet


def test_services_reach_each_other_over_http(states: Dict[str, Any]):
    assert states["connected"].http == {f"{a}->{b}": "200" for a, b in (SERVICES, tuple(reversed(SERVICES)))}


def test_tomcat01_reaches_nothing_on_the_overlay_before_it_is_connected(states: Dict[str, Any], run: RunIsolation):
    before = states["unconnected"].tomcat01
    assert run.name("mynet") not in before.networks
    assert set(before.resolves.values()) == {None}


def test_tomcat01_is_connected_while_running_and_reaches_both_hosts(states: Dict[str, Any], run: RunIsolation):
    before, after = states["unconnected"].tomcat01, states["connected"].tomcat01
    # The same container, never restarted: `docker network connect`, not a new container.
    assert (after.container_id, after.started_at, after.restart_count) == (
        before.container_id,
        before.started_at,
        before.restart_count,
    )
    assert ipaddress.IPv4Address(after.networks[run.name("mynet")]) in run.subnet(STACK)
    assert after.resolves == states["connected"].task_ips
    assert after.http == {s: "200" for s in SERVICES}


def test_a_preview_from_nothing_plans_only_creations(states: Dict[str, Any]):
    summary = {getattr(op, "value", str(op)): n for op, n in states["first_preview"].items()}
    assert set(summary) == {"create"} and summary["create"] >= 7


def test_a_second_preview_changes_nothing(states: Dict[str, Any]):
    summary = {getattr(op, "value", str(op)): n for op, n in states["preview"].items()}
    assert {op: n for op, n in summary.items() if op != "same" and n} == {}


def test_not_a_manager_stops_the_preview_before_anything_is_created(
    on_swarm: ProjectWorkspace, swarm: LocalSwarm, states: Dict[str, Any]
):
    worker = next(node for node in swarm.hosts if node != swarm.manager)
    workspace = ProjectWorkspace(on_swarm.root, {**on_swarm.env, "DOCKER_HOST": swarm.hosts[worker]}, on_swarm.run)
    stack = workspace.stack("overlay-on-worker", {"scenario": STACK, **settings(on_swarm.run, swarm, connect=True)})
    try:
        with pytest.raises(auto.errors.CommandError) as failed:
            stack.preview(on_output=print)
        assert "invalid setting 'DOCKER_HOST'" in str(failed.value)
        assert "Swarm worker" in str(failed.value)
    finally:
        workspace.destroy_all()


def test_a_subnet_taken_on_another_node_stops_the_preview(
    on_swarm: ProjectWorkspace, swarm: LocalSwarm, states: Dict[str, Any]
):
    """A bridge network on one worker only (the manager does not list it): the check asks that node."""
    run = on_swarm.run
    worker = next(node for node in swarm.hosts if node != swarm.manager)
    taken = run.subnet("overlay-taken")
    with swarm.engine(worker) as client:
        client.networks.create(
            run.name("taken"),
            driver="bridge",
            ipam=docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet=str(taken))]),
            labels=run.labels,
        )
    config = settings(run, swarm, connect=True)
    # Another name: the overlay stack's network may still be there, and a name check comes first.
    config[STACK]["network"].update(name="mynet-taken", subnet=str(taken))
    stack = on_swarm.stack("overlay-taken", {"scenario": STACK, **config})
    try:
        with pytest.raises(auto.errors.CommandError) as failed:
            stack.preview(on_output=print)
        message = str(failed.value)
        assert "invalid setting 'docker-networking:overlay.network.subnet'" in message
        assert f"on node {worker}" in message
    finally:
        with swarm.engine(worker) as client:
            client.networks.get(run.name("taken")).remove()


def test_destroy_leaves_nothing_of_the_run_on_any_node(destroyed: Dict[str, List[str]]):
    assert destroyed == {node: [] for node in destroyed}
