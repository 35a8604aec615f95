"""The Tomcat scenarios' settings: defaults, and every bad value rejected with the setting named."""

from typing import Any, Dict

import pytest

from components.errors import ConfigError
from scenarios.tomcat_settings import (
    BridgeStackConfig,
    ImageSettings,
    LinkStackConfig,
    MynetSettings,
    MynetStackConfig,
    TomcatScenarioSettings,
    bridge_settings,
    image_settings,
    link_settings,
    mynet_settings,
)

from .doubles.stack_config import stack_config


def parse_tomcat_scenario(scenario: str, raw: Any) -> TomcatScenarioSettings:
    """The bridge or link scenario's settings from `docker-networking:<scenario>` as Pulumi stores it."""
    if scenario == "bridge":
        return bridge_settings(stack_config(BridgeStackConfig, {"bridge": raw}))
    return link_settings(stack_config(LinkStackConfig, {"link": raw}))


def parse_mynet(raw: Any) -> MynetSettings:
    return mynet_settings(stack_config(MynetStackConfig, {"mynet": raw}))


def parse_image(values: Dict[str, Any]) -> ImageSettings:
    return image_settings(stack_config(BridgeStackConfig, values))


def rejected(call, *args) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        call(*args)
    return caught.value


def test_bridge_defaults_publish_on_loopback_with_random_ports():
    settings = parse_tomcat_scenario("bridge", {})
    assert settings.publish_address == "127.0.0.1"
    assert settings.host_ports == {}
    assert settings.spec("tomcat01").host_port is None
    assert settings.setting == "docker-networking:bridge"


def test_fixed_host_ports_from_config_strings_or_numbers():
    settings = parse_tomcat_scenario("link", {"hostPorts": {"tomcat01": 8081, "tomcat03": "8083"}})
    assert settings.host_ports == {"tomcat01": 8081, "tomcat03": 8083}
    assert settings.spec("tomcat02").host_port is None


def test_duplicate_host_ports_are_rejected_naming_the_second_container():
    error = rejected(parse_tomcat_scenario, "bridge", {"hostPorts": {"tomcat01": 8080, "tomcat02": 8080}})
    assert error.setting == "docker-networking:bridge.hostPorts.tomcat02"
    assert "already published by tomcat01" in str(error)


@pytest.mark.parametrize("port", [0, 65536, "http", True, -1])
def test_host_port_out_of_range_is_rejected(port):
    error = rejected(parse_tomcat_scenario, "bridge", {"hostPorts": {"tomcat01": port}})
    assert error.setting == "docker-networking:bridge.hostPorts.tomcat01"
    assert "1 to 65535" in error.fix


def test_host_port_for_a_container_the_scenario_does_not_have():
    error = rejected(parse_tomcat_scenario, "bridge", {"hostPorts": {"tomcat03": 8083}})
    assert error.setting == "docker-networking:bridge.hostPorts.tomcat03"
    assert error.fix == "use one of: tomcat01, tomcat02 (did you mean 'tomcat02'?)"


def test_unknown_key_names_the_key_and_the_allowed_ones():
    error = rejected(parse_tomcat_scenario, "link", {"publishAdress": "0.0.0.0"})
    assert error.setting == "docker-networking:link.publishAdress"
    assert error.fix == "use one of: hostPorts, publishAddress (did you mean 'publishAddress'?)"


def test_publish_address_must_be_an_ipv4_address():
    error = rejected(parse_tomcat_scenario, "bridge", {"publishAddress": "localhost"})
    assert error.setting == "docker-networking:bridge.publishAddress"


def test_structured_setting_that_is_not_an_object():
    error = rejected(parse_tomcat_scenario, "bridge", {"hostPorts": [8081]})
    assert error.setting == "docker-networking:bridge.hostPorts"
    assert "object" in error.problem


def test_image_defaults_to_public_tomcat_kept_locally():
    assert parse_image({}) == ImageSettings(name="tomcat:10.1", keep_locally=True)
    assert parse_image({"tomcatImage": "docker-networking/tomcat:local", "keepImages": "false"}) == ImageSettings(
        name="docker-networking/tomcat:local", keep_locally=False
    )


def test_bad_image_name_is_rejected():
    assert rejected(parse_image, {"tomcatImage": "Tomcat:Latest"}).setting == "docker-networking:tomcatImage"


# --- mynet ---------------------------------------------------------------------------------------


def test_mynet_defaults_are_the_tutorials():
    settings = parse_mynet({})
    assert (settings.network.name, settings.network.subnet, settings.network.gateway) == (
        "mynet",
        "192.168.0.0/16",
        "192.168.0.1",
    )
    assert settings.network.setting == "docker-networking:mynet.network"
    assert settings.connect_tomcat01 is True
    assert settings.tomcat.static_ips == {}


def test_mynet_other_subnet_leaves_the_gateway_to_the_engine():
    settings = parse_mynet({"network": {"subnet": "10.30.0.0/24"}})
    assert (settings.network.name, settings.network.subnet, settings.network.gateway) == ("mynet", "10.30.0.0/24", None)


def test_mynet_connect_flag_accepts_config_strings():
    assert parse_mynet({"connectTomcat01": "false"}).connect_tomcat01 is False
    error = rejected(parse_mynet, {"connectTomcat01": "no"})
    assert error.setting == "docker-networking:mynet.connectTomcat01"


def test_mynet_static_ips_reach_the_specs_but_not_tomcat01s_own_container():
    settings = parse_mynet({"staticIps": {"tomcat-net-01": "192.168.0.11", "tomcat01": "192.168.0.100"}})
    assert settings.tomcat.spec("tomcat-net-01").ipv4_address == "192.168.0.11"
    assert settings.tomcat.spec("tomcat-net-02").ipv4_address is None
    assert settings.tomcat.spec("tomcat01", static_ip=False).ipv4_address is None
    assert settings.tomcat.static_ips["tomcat01"] == "192.168.0.100"


def test_subnet_not_in_cidr_form():
    error = rejected(parse_mynet, {"network": {"subnet": "192.168.0.0"}})
    assert error.setting == "docker-networking:mynet.network.subnet"
    assert "CIDR" in error.problem


def test_gateway_outside_the_subnet():
    error = rejected(parse_mynet, {"network": {"subnet": "10.30.0.0/24", "gateway": "10.31.0.1"}})
    assert error.setting == "docker-networking:mynet.network.gateway"
    assert "outside the subnet 10.30.0.0/24" in error.problem


def test_static_ip_outside_the_subnet():
    error = rejected(parse_mynet, {"staticIps": {"tomcat-net-01": "10.0.0.5"}})
    assert error.setting == "docker-networking:mynet.staticIps.tomcat-net-01"
    assert "outside the subnet 192.168.0.0/16" in error.problem


@pytest.mark.parametrize(
    "address, what",
    [("192.168.0.1", "gateway"), ("192.168.0.0", "network address"), ("192.168.255.255", "broadcast address")],
)
def test_static_ip_on_a_reserved_address(address, what):
    error = rejected(parse_mynet, {"staticIps": {"tomcat-net-02": address}})
    assert error.setting == "docker-networking:mynet.staticIps.tomcat-net-02"
    assert what in error.problem


def test_duplicate_static_ips_including_tomcat01s_connection():
    error = rejected(parse_mynet, {"staticIps": {"tomcat-net-01": "192.168.0.11", "tomcat01": "192.168.0.11"}})
    assert error.setting == "docker-networking:mynet.staticIps"
    assert "192.168.0.11 is used twice" in error.problem


def test_static_ip_that_is_not_an_address():
    error = rejected(parse_mynet, {"staticIps": {"tomcat-net-01": "192.168.0.300"}})
    assert error.setting == "docker-networking:mynet.staticIps.tomcat-net-01"


def test_unknown_keys_in_mynet_and_in_its_network():
    error = rejected(parse_mynet, {"conectTomcat01": True})
    assert error.setting == "docker-networking:mynet.conectTomcat01"
    assert error.fix == (
        "use one of: connectTomcat01, hostPorts, network, publishAddress, staticIps (did you mean 'connectTomcat01'?)"
    )
    error = rejected(parse_mynet, {"network": {"gatway": "192.168.0.1"}})
    assert error.setting == "docker-networking:mynet.network.gatway"
    assert error.fix == "use one of: gateway, ipRange, name, subnet (did you mean 'gateway'?)"
    error = rejected(parse_mynet, {"staticIps": {"tomcat02": "192.168.0.5"}})
    assert error.setting == "docker-networking:mynet.staticIps.tomcat02"


def test_mynet_duplicate_host_ports_across_tomcat01_and_the_pair():
    error = rejected(parse_mynet, {"hostPorts": {"tomcat01": 9000, "tomcat-net-02": 9000}})
    assert error.setting == "docker-networking:mynet.hostPorts.tomcat-net-02"


def test_network_name_that_the_engine_would_refuse():
    error = rejected(parse_mynet, {"network": {"name": "-mynet"}})
    assert error.setting == "docker-networking:mynet.network.name"
    error = rejected(parse_mynet, {"network": {"name": "bridge"}})
    assert "built-in" in error.problem
