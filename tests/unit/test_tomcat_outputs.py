"""The pure pieces behind the stack outputs and config reading."""

import pytest

from components.errors import ConfigError
from scenarios.config_values import parse_bool, reject_unknown_keys, require_mapping
from scenarios.tomcat_outputs import summarize_container


def test_summary_lists_networks_ports_and_hosts_like_docker_does():
    summary = summarize_container(
        "dev-tomcat01",
        "c" * 64,
        network_data=[{"network_name": "bridge", "ip_address": "172.17.0.4"}],
        ports=[{"ip": "127.0.0.1", "external": 49153, "internal": 8080, "protocol": "tcp"}],
        hosts=[{"ip": "172.17.0.3", "host": "tomcat02 e20a7e22a6c9"}],
        connected=[("mynet", "192.168.0.3")],
    )
    assert summary == {
        "name": "dev-tomcat01",
        "id": "c" * 64,
        "networks": {"bridge": "172.17.0.4", "mynet": "192.168.0.3"},
        "ports": ["127.0.0.1:49153->8080/tcp"],
        "hosts": ["172.17.0.3 tomcat02 e20a7e22a6c9"],
    }


def test_summary_of_a_container_with_nothing_published():
    assert summarize_container("tomcat02", "d" * 64, [], None, None) == {
        "name": "tomcat02",
        "id": "d" * 64,
        "networks": {},
        "ports": [],
        "hosts": [],
    }


def test_structured_values_arrive_as_objects_or_json_text():
    assert require_mapping("s", {"a": 1}) == {"a": 1}
    assert require_mapping("s", '{"a": 1}') == {"a": 1}
    assert require_mapping("s", None) == {}
    with pytest.raises(ConfigError) as caught:
        require_mapping("docker-networking:mynet", "[1, 2]")
    assert caught.value.setting == "docker-networking:mynet"


@pytest.mark.parametrize("value, expected", [(True, True), ("false", False), (" TRUE ", True)])
def test_booleans_from_yaml_or_cli(value, expected):
    assert parse_bool("s", value) is expected


def test_not_a_boolean():
    with pytest.raises(ConfigError, match="'yes' is not true or false"):
        parse_bool("docker-networking:keepImages", "yes")


def test_unknown_key_message():
    with pytest.raises(ConfigError) as caught:
        reject_unknown_keys("docker-networking:bridge", {"hostports": {}}, ["publishAddress", "hostPorts"])
    assert str(caught.value) == (
        "invalid setting 'docker-networking:bridge.hostports': 'hostports' is not a "
        "setting here. Fix: use one of: hostPorts, publishAddress (did you mean 'hostPorts'?)"
    )
