"""Scenario 3 on a real engine: the user-defined network mynet, and `docker network connect` on the
running tomcat01.

The engine names carry the run's prefix and mynet has the run's subnet (see tomcat_checks.Mynet); the
containers find each other by their engine names, the only ones the engine's DNS knows.
The stack goes through four states, each observed by a module fixture as soon as it is reached:
up without the connection, updated with it, updated without it again, destroyed. Tests assert on
what was observed, so they do not depend on the order they run in.
"""

import ipaddress
import time
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple

import pytest

from harness.project_copy import LOCAL_IMAGES

from .tomcat_checks import (
    TOMCAT_PORT,
    Mynet,
    changes_only,
    deploy,
    destroy_and_list_leftovers,
    ipv4_interfaces,
    ops_of,
    ping,
    preview_ops,
    resolve,
    wait_for_tcp,
)

pytestmark = pytest.mark.integration

STACK = "mynet"
# Pulumi's names of the scenario's own resources: the tutorial's, whatever the engine names are.
CONTAINER_URN = "docker:index/container:Container::tomcat01"
CONNECTION_URN = "NetworkConnection::tomcat01-mynet"
RECREATE_OR_RESTART = {"create", "destroy", "start", "restart", "die", "kill", "stop"}


@dataclass
class Tomcat01State:
    """tomcat01 as the engine and the container itself show it at one moment."""

    container_id: str
    started_at: str
    restart_count: int
    engine_networks: Dict[str, str]
    interfaces: Dict[str, str]
    resolves_tomcat_net_01: Optional[str]
    ping_by_name: Tuple[int, str]
    ping_by_ip: Tuple[int, str]


def observe_tomcat01(docker_client: Any, mynet: Mynet, tomcat_net_01_ip: str) -> Tomcat01State:
    tomcat01, tomcat_net_01 = mynet.name("tomcat01"), mynet.name("tomcat-net-01")
    attrs = docker_client.api.inspect_container(tomcat01)
    return Tomcat01State(
        container_id=attrs["Id"],
        started_at=attrs["State"]["StartedAt"],
        restart_count=attrs["RestartCount"],
        engine_networks={name: net["IPAddress"] for name, net in attrs["NetworkSettings"]["Networks"].items()},
        interfaces=ipv4_interfaces(tomcat01),
        resolves_tomcat_net_01=resolve(tomcat01, tomcat_net_01),
        ping_by_name=ping(tomcat01, tomcat_net_01),
        ping_by_ip=ping(tomcat01, tomcat_net_01_ip),
    )


@dataclass
class Observed:
    stack: Any
    outputs: Dict[str, Any]
    tomcat01: Tomcat01State
    extra: Dict[str, Any] = field(default_factory=dict)


@pytest.fixture(scope="module")
def mynet(run) -> Mynet:
    return Mynet(run, STACK)


@pytest.fixture(scope="module")
def unconnected(project, docker_client, mynet):
    """Up without the connection: tomcat01 on docker0 only, mynet with its two containers."""
    stack, outputs = deploy(project, STACK, {"mynet": mynet.settings(connect=False)})
    net01, net02 = mynet.name("tomcat-net-01"), mynet.name("tomcat-net-02")
    net01_ip = docker_client.api.inspect_container(net01)["NetworkSettings"]["Networks"][mynet.network]["IPAddress"]
    wait_for_tcp(net01_ip, TOMCAT_PORT)  # the host reaches a mynet container by IP
    observed = Observed(
        stack,
        outputs,
        observe_tomcat01(docker_client, mynet, net01_ip),
        extra={
            "network": docker_client.api.inspect_network(mynet.network),
            "net01_ip": net01_ip,
            "net01_resolves_net02": resolve(net01, net02),
            "net02_resolves_net01": resolve(net02, net01),
            "net01_pings_net02": ping(net01, net02),
            "net02_pings_net01": ping(net02, net01),
            "preview": preview_ops(stack),
        },
    )
    yield observed
    stack.destroy(on_output=print)  # one Tomcat stack up at a time, even if a test failed


@pytest.fixture(scope="module")
def connected(project, unconnected, docker_client, mynet):
    """The update that connects the running tomcat01, previewed first, with the engine's events."""
    stack = unconnected.stack
    project.set_config(stack, "mynet", mynet.settings(connect=True))
    preview = preview_ops(stack)
    since = int(time.time()) - 1  # whole seconds: the engine's event window, widened by a second
    result = stack.up(on_output=print)
    until = int(time.time()) + 2
    tomcat01_id = unconnected.tomcat01.container_id
    events = docker_client.events(since=since, until=until, decode=True)
    mine = [
        e
        for e in events
        if e.get("Actor", {}).get("ID") == tomcat01_id
        or e.get("Actor", {}).get("Attributes", {}).get("container") == tomcat01_id
    ]
    return Observed(
        stack,
        {k: v.value for k, v in result.outputs.items()},
        observe_tomcat01(docker_client, mynet, unconnected.extra["net01_ip"]),
        extra={
            "preview": preview,
            "events": mine,
            "mynet_id": unconnected.extra["network"]["Id"],
            "preview_after": preview_ops(stack),
            "preview_after_refresh": preview_ops(stack, refresh=True),
        },
    )


@pytest.fixture(scope="module")
def disconnected(project, connected, docker_client, mynet):
    """Setting the flag back to false disconnects tomcat01, again without recreating it."""
    project.set_config(connected.stack, "mynet", mynet.settings(connect=False))
    result = connected.stack.up(on_output=print)
    return Observed(
        connected.stack,
        {k: v.value for k, v in result.outputs.items()},
        observe_tomcat01(docker_client, mynet, connected.tomcat01.engine_networks[mynet.network]),
    )


@pytest.fixture(scope="module")
def destroyed(disconnected, docker_client, run):
    leftovers = destroy_and_list_leftovers(disconnected.stack, run.prefix)
    return leftovers, [t for image in docker_client.images.list() for t in image.tags]


# --- mynet itself ----------------------------------------------------------------------------------


def test_network_inspect_shows_subnet_gateway_and_both_containers(unconnected, mynet):
    network = unconnected.extra["network"]
    assert network["Name"] == mynet.network and network["Driver"] == "bridge"
    assert network["IPAM"]["Config"] == [{"Subnet": str(mynet.subnet), "Gateway": mynet.gateway}]
    members = {c["Name"]: c["IPv4Address"].split("/")[0] for c in network["Containers"].values()}
    net01, net02 = mynet.name("tomcat-net-01"), mynet.name("tomcat-net-02")
    assert set(members) == {net01, net02}
    assert all(ipaddress.IPv4Address(ip) in mynet.subnet for ip in members.values())
    assert members[net02] == mynet.tomcat_net_02_ip
    assert unconnected.outputs["containers"]["tomcat-net-01"]["name"] == net01
    assert unconnected.outputs["containers"]["tomcat-net-01"]["networks"] == {mynet.network: members[net01]}
    assert unconnected.outputs["networks"][mynet.network]["subnet"] == str(mynet.subnet)


def test_mynet_containers_resolve_and_ping_each_other_by_name(unconnected, mynet):
    extra = unconnected.extra
    assert extra["net01_resolves_net02"] == mynet.tomcat_net_02_ip
    assert extra["net02_resolves_net01"] == extra["net01_ip"]
    for key in ("net01_pings_net02", "net02_pings_net01"):
        code, output = extra[key]
        assert code == 0, output


def test_a_preview_right_after_up_shows_no_changes(unconnected):
    summary, _ = unconnected.extra["preview"]
    assert changes_only(summary) == {}


# --- before `docker network connect` ---------------------------------------------------------------


def test_networks_are_isolated_before_the_connection(unconnected):
    tomcat01 = unconnected.tomcat01
    assert list(tomcat01.engine_networks) == ["bridge"]
    assert list(tomcat01.interfaces) == ["eth0"]
    assert tomcat01.resolves_tomcat_net_01 is None
    assert tomcat01.ping_by_name[0] != 0 and "Name or service not known" in tomcat01.ping_by_name[1]
    assert tomcat01.ping_by_ip[0] != 0, tomcat01.ping_by_ip[1]  # docker0 and mynet are isolated
    assert unconnected.outputs["containers"]["tomcat01"]["networks"] == {"bridge": tomcat01.interfaces["eth0"]}


# --- the connection --------------------------------------------------------------------------------


def test_the_preview_of_the_connection_creates_one_resource_and_replaces_nothing(connected):
    summary, ops = connected.extra["preview"]
    assert changes_only(summary) == {"create": 1}
    assert ops_of(ops, CONTAINER_URN) == ["same"]
    assert ops_of(ops, CONNECTION_URN) == ["create"]


def test_connecting_neither_recreates_nor_restarts_tomcat01(unconnected, connected):
    before, after = unconnected.tomcat01, connected.tomcat01
    assert after.container_id == before.container_id
    assert (after.started_at, after.restart_count) == (before.started_at, before.restart_count)
    actions = [event.get("Action", event.get("status")) for event in connected.extra["events"]]
    assert not RECREATE_OR_RESTART & set(actions), actions
    assert any(
        e["Type"] == "network" and e["Action"] == "connect" and e["Actor"]["ID"] == connected.extra["mynet_id"]
        for e in connected.extra["events"]
    ), connected.extra["events"]


def test_tomcat01_has_two_interfaces_and_two_ips(connected, mynet):
    tomcat01 = connected.tomcat01
    assert set(tomcat01.engine_networks) == {"bridge", mynet.network}
    assert tomcat01.engine_networks[mynet.network] == mynet.tomcat01_ip
    assert sorted(tomcat01.interfaces.values()) == sorted(tomcat01.engine_networks.values())
    assert len(tomcat01.interfaces) == 2
    assert connected.outputs["containers"]["tomcat01"]["networks"] == tomcat01.engine_networks


def test_tomcat01_now_reaches_tomcat_net_01_by_name(unconnected, connected):
    tomcat01 = connected.tomcat01
    assert tomcat01.resolves_tomcat_net_01 == unconnected.extra["net01_ip"]
    assert tomcat01.ping_by_name[0] == 0, tomcat01.ping_by_name[1]
    assert tomcat01.ping_by_ip[0] == 0, tomcat01.ping_by_ip[1]


def test_no_changes_after_the_connection_even_with_a_refresh(connected):
    summary, _ = connected.extra["preview_after"]
    assert changes_only(summary) == {}
    _, ops = connected.extra["preview_after_refresh"]
    assert set(ops_of(ops, CONTAINER_URN)) <= {"same", "refresh"}, ops
    assert set(ops_of(ops, CONNECTION_URN)) <= {"same", "refresh"}, ops


# --- disconnecting and destroying ------------------------------------------------------------------


def test_turning_the_flag_off_disconnects_without_recreating(unconnected, disconnected):
    tomcat01 = disconnected.tomcat01
    assert tomcat01.container_id == unconnected.tomcat01.container_id
    assert list(tomcat01.engine_networks) == ["bridge"]
    assert list(tomcat01.interfaces) == ["eth0"]
    assert tomcat01.resolves_tomcat_net_01 is None


def test_destroy_leaves_nothing_and_keeps_the_image(destroyed):
    leftovers, tags = destroyed
    assert leftovers == {"containers": [], "networks": [], "volumes": []}
    assert LOCAL_IMAGES["tomcatImage"] in tags
