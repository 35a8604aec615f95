"""BridgeNetwork on its own: what it creates and what it refuses before creating; and docker0 looked up."""

import ipaddress
import logging

import pulumi
import pytest

from components.engine.inventory import EngineNetwork, HostRoute
from components.errors import ConfigError
from components.labels import COMPONENT_LABEL, PROJECT_LABEL, STACK_LABEL
from components.network.bridge import (
    BridgeNetwork,
    BridgeNetworkArgs,
    DefaultBridge,
    default_bridge_addressing,
    look_up_default_bridge,
    validate_bridge,
)
from components.network.provider import TYPE_TOKEN as NETWORK_TYPE

from .doubles.inventory import FakeInventory
from .doubles.pulumi_mocks import fake_id, run_program

NET = ipaddress.IPv4Network


def test_validate_bridge_keeps_given_gateway_and_defaults_to_first_host():
    given = validate_bridge(BridgeNetworkArgs(name="mynet", subnet="192.168.0.0/16", gateway="192.168.0.254"))
    assert given.gateway == ipaddress.IPv4Address("192.168.0.254")
    chosen = validate_bridge(BridgeNetworkArgs(name="app.net_1", subnet="10.30.0.0/24", ip_range="10.30.0.128/25"))
    assert chosen.gateway == ipaddress.IPv4Address("10.30.0.1")
    assert chosen.ip_range == NET("10.30.0.128/25")


def test_validate_bridge_rejects_gateway_on_network_address_and_range_outside():
    error = pytest.raises(
        ConfigError,
        validate_bridge,
        BridgeNetworkArgs(name="n1", subnet="10.30.0.0/24", gateway="10.30.0.0", setting="net"),
    )
    assert error.value.setting == "net.gateway"
    error = pytest.raises(
        ConfigError,
        validate_bridge,
        BridgeNetworkArgs(name="n1", subnet="10.30.0.0/24", ip_range="10.31.0.0/25", setting="net"),
    )
    assert error.value.setting == "net.ipRange"


def test_default_bridge_addressing_falls_back_to_the_first_host_for_docker0():
    assert default_bridge_addressing([{"subnet": "172.17.0.0/16"}]) == ("172.17.0.0/16", "172.17.0.1")
    assert default_bridge_addressing(
        [{"subnet": "fd00::/64"}, {"subnet": "172.18.0.0/16", "gateway": "172.18.0.9"}]
    ) == ("172.18.0.0/16", "172.18.0.9")
    assert default_bridge_addressing([]) == ("", "")


def test_user_defined_bridge_creates_one_labelled_network_under_the_component():
    args = BridgeNetworkArgs(name="appnet", subnet="10.30.0.0/24", labels={"team": "docs"}, inventory=FakeInventory())
    deployment, _ = run_program(lambda: BridgeNetwork("appnet", args), {}, stack="s1")
    component = deployment.of_type("index:BridgeNetwork")[0]
    network = deployment.of_type(NETWORK_TYPE)[0]
    assert network.parent == component.urn
    assert network.state["name"] == "appnet"
    assert network.state["driver"] == "bridge"
    assert (network.state["subnet"], network.state["gateway"], network.state.get("ip_range")) == (
        "10.30.0.0/24",
        "10.30.0.1",
        None,
    )
    assert network.state["labels"] == {
        PROJECT_LABEL: "docker-networking",
        STACK_LABEL: "s1",
        COMPONENT_LABEL: "BridgeNetwork",
        "team": "docs",
    }


def test_two_bridge_networks_coexist_in_one_program():
    def program():
        BridgeNetwork("front", BridgeNetworkArgs(name="front", subnet="10.30.1.0/24", inventory=FakeInventory()))
        BridgeNetwork("back", BridgeNetworkArgs(name="back", subnet="10.30.2.0/24", inventory=FakeInventory()))

    deployment, _ = run_program(program, {})
    assert sorted(r.state["name"] for r in deployment.of_type(NETWORK_TYPE)) == ["back", "front"]


def test_default_bridge_is_looked_up_not_created():
    holder = {}

    def program():
        holder["docker0"] = docker0 = look_up_default_bridge()
        pulumi.export("docker0", pulumi.Output.all(docker0.name, docker0.network_id, docker0.subnet, docker0.gateway))

    deployment, _ = run_program(program, {})
    assert deployment.resources == [], "docker0 is the engine's: the program must register nothing for it"
    assert isinstance(holder["docker0"], DefaultBridge)
    assert holder["docker0"].ref().user_defined is False
    assert deployment.outputs["docker0"] == ["bridge", fake_id("bridge"), "172.17.0.0/16", "172.17.0.1"]


def test_args_that_differ_only_in_where_subnets_are_looked_up_are_equal():
    args = BridgeNetworkArgs(name="appnet", subnet="10.30.0.0/24")
    with_inventory = BridgeNetworkArgs(name="appnet", subnet="10.30.0.0/24", inventory=FakeInventory())
    assert args == with_inventory
    assert "inventory" not in repr(with_inventory)


def test_without_an_inventory_in_the_args_the_default_one_is_asked(fake_inventory):
    fake_inventory.networks.append(EngineNetwork(name="office", id="o" * 64, subnets=(NET("10.30.0.0/16"),)))
    args = BridgeNetworkArgs(name="appnet", subnet="10.30.5.0/24")
    deployment, error = run_program(lambda: BridgeNetwork("appnet", args), {}, expect=ConfigError)
    assert fake_inventory.calls == 1
    assert "overlaps the engine network 'office'" in error.problem
    assert deployment.resources == []


def test_subnet_overlapping_an_engine_network_creates_nothing():
    inventory = FakeInventory()
    inventory.networks.append(EngineNetwork(name="office", id="o" * 64, subnets=(NET("10.30.0.0/16"),)))
    args = BridgeNetworkArgs(
        name="appnet", subnet="10.30.5.0/24", setting="docker-networking:mynet.network", inventory=inventory
    )
    deployment, error = run_program(lambda: BridgeNetwork("appnet", args), {}, expect=ConfigError)
    assert error.setting == "docker-networking:mynet.network.subnet"
    assert "overlaps the engine network 'office' (10.30.0.0/16)" in error.problem
    assert deployment.resources == []


def test_subnet_overlapping_a_host_route_creates_nothing():
    inventory = FakeInventory(routes=[HostRoute(device="eth0", destination=NET("192.168.1.0/24"))])
    args = BridgeNetworkArgs(
        name="mynet", subnet="192.168.0.0/16", setting="docker-networking:mynet.network", inventory=inventory
    )
    deployment, error = run_program(lambda: BridgeNetwork("mynet", args), {}, expect=ConfigError)
    assert error.setting == "docker-networking:mynet.network.subnet"
    assert "host route via eth0" in error.problem
    assert deployment.resources == []


def test_an_unrelated_engine_network_with_the_same_name_is_refused():
    inventory = FakeInventory()
    inventory.networks.append(EngineNetwork(name="mynet", id="m" * 64, subnets=(NET("10.99.0.0/24"),)))
    args = BridgeNetworkArgs(
        name="mynet", subnet="10.30.0.0/24", setting="docker-networking:mynet.network", inventory=inventory
    )
    _, error = run_program(lambda: BridgeNetwork("mynet", args), {}, expect=ConfigError)
    assert error.setting == "docker-networking:mynet.network.name"
    assert "docker network rm mynet" in error.fix


def test_the_stacks_own_network_from_an_earlier_up_is_no_overlap():
    inventory = FakeInventory()
    inventory.networks.append(
        EngineNetwork(
            name="mynet",
            id="m" * 64,
            subnets=(NET("192.168.0.0/16"),),
            labels={PROJECT_LABEL: "docker-networking", STACK_LABEL: "mynet"},
        )
    )
    inventory.routes.append(HostRoute(device="br-" + "m" * 12, destination=NET("192.168.0.0/16")))
    args = BridgeNetworkArgs(name="mynet", subnet="192.168.0.0/16", inventory=inventory)
    deployment, _ = run_program(lambda: BridgeNetwork("mynet", args), {}, stack="mynet")
    assert len(deployment.of_type(NETWORK_TYPE)) == 1


def test_public_subnet_gets_a_warning_not_an_error(caplog):
    args = BridgeNetworkArgs(
        name="redisnet", subnet="172.38.0.0/16", setting="docker-networking:mynet.network", inventory=FakeInventory()
    )
    with caplog.at_level(logging.WARNING):
        deployment, _ = run_program(lambda: BridgeNetwork("redisnet", args), {})
    assert len(deployment.of_type(NETWORK_TYPE)) == 1
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("docker-networking:mynet.network.subnet" in w and "public address space" in w for w in warnings)


def test_private_subnet_gets_no_warning(caplog):
    args = BridgeNetworkArgs(name="appnet", subnet="10.30.0.0/24", inventory=FakeInventory())
    with caplog.at_level(logging.WARNING):
        run_program(lambda: BridgeNetwork("appnet", args), {})
    assert not [r for r in caplog.records if "public address space" in r.getMessage()]


def test_missing_args_for_a_created_network():
    with pytest.raises(ConfigError) as caught:
        BridgeNetwork("nothing", None)  # type: ignore[arg-type]  # what an untyped caller can do
    assert "look_up_default_bridge" in caught.value.fix
