"""LinkedTomcatPair and the Tomcat container helper on their own, as another program would use them."""

import ipaddress

import pulumi
import pytest

from components.errors import ConfigError
from components.network.ref import NetworkRef
from components.tomcat.container import TomcatSpec, find_network_ip, tomcat_container
from components.tomcat.linked_pair import LinkedTomcatPair, LinkedTomcatPairArgs, link_host_names

from .doubles.pulumi_mocks import fake_id, run_program

MYNET = NetworkRef(
    name="mynet",
    user_defined=True,
    subnet=ipaddress.IPv4Network("192.168.0.0/16"),
    gateway=ipaddress.IPv4Address("192.168.0.1"),
)


def pair_args(first="tomcat01", second="tomcat02", **overrides) -> LinkedTomcatPairArgs:
    return LinkedTomcatPairArgs(
        image="sha256:abc", first=TomcatSpec(first), second=TomcatSpec(second), setting="pair", **overrides
    )


def test_link_host_names_are_the_alias_and_the_short_id():
    assert link_host_names("tomcat02", "e20a7e22a6c9" + "0" * 52) == "tomcat02 e20a7e22a6c9"


def test_two_pairs_coexist_with_names_derived_from_the_component():
    holder = {}

    def program():
        holder["a"] = LinkedTomcatPair("a", pair_args("tomcat01", "tomcat02"))
        holder["b"] = LinkedTomcatPair("b", pair_args("tomcat03", "tomcat-net-01", link_second_to_first=True))

    deployment, _ = run_program(program, {})
    names = sorted(r.name for r in deployment.of_type("docker:index/container:Container"))
    assert names == ["a-tomcat01", "a-tomcat02", "b-tomcat-net-01", "b-tomcat03"]
    assert deployment.named("b-tomcat-net-01").parent == deployment.named("b", "LinkedTomcatPair").urn


def test_unlinked_pair_writes_no_hosts_entry():
    deployment, _ = run_program(lambda: LinkedTomcatPair("p", pair_args()), {})
    assert [r.state["hosts"] for r in deployment.of_type("docker:index/container:Container")] == [[], []]


def test_link_on_a_user_defined_network_uses_the_first_ip_there():
    deployment, _ = run_program(
        lambda: LinkedTomcatPair(
            "p", pair_args("tomcat-net-01", "tomcat-net-02", network=MYNET, link_second_to_first=True)
        ),
        {},
    )
    second = deployment.named("p-tomcat-net-02")
    assert second.state["networksAdvanced"] == [{"name": "mynet"}]
    assert second.state["hosts"] == [{"host": f"tomcat-net-01 {fake_id('tomcat-net-01')[:12]}", "ip": "192.168.0.2"}]


@pytest.mark.parametrize(
    "args, setting",
    [
        (pair_args("tomcat01", "tomcat01"), "pair.names"),
        (pair_args("t", "tomcat02"), "pair.names"),
        (
            LinkedTomcatPairArgs(
                image="i", first=TomcatSpec("tomcat01", host_port=8080), second=TomcatSpec("tomcat02", host_port=8080)
            ),
            "pair.hostPorts.tomcat02",
        ),
        (
            LinkedTomcatPairArgs(
                image="i", first=TomcatSpec("tomcat01", ipv4_address="172.17.0.9"), second=TomcatSpec("tomcat02")
            ),
            "pair.staticIps",
        ),
        (
            LinkedTomcatPairArgs(
                image="i",
                first=TomcatSpec("tomcat01", ipv4_address="192.168.0.9"),
                second=TomcatSpec("tomcat02", ipv4_address="192.168.0.9"),
                network=MYNET,
            ),
            "pair.staticIps",
        ),
        (pair_args(publish_address="everywhere"), "pair.publishAddress"),
    ],
)
def test_bad_pair_registers_nothing(args, setting):
    deployment, error = run_program(lambda: LinkedTomcatPair("p", args), {}, expect=ConfigError)
    assert error.setting == setting
    assert deployment.resources == []


def test_container_helper_refuses_a_static_ip_on_the_default_bridge():
    with pytest.raises(ConfigError) as caught:
        tomcat_container(
            "t",
            TomcatSpec("tomcat01", ipv4_address="172.17.0.9"),
            image="i",
            network=NetworkRef.default_bridge(),
            labels={},
        )
    assert caught.value.setting == "tomcat01.ipv4Address"


def test_find_network_ip_by_network_name():
    data = [
        {"network_name": "bridge", "ip_address": "172.17.0.2"},
        {"network_name": "mynet", "ip_address": "192.168.0.3"},
    ]
    assert find_network_ip(data, "mynet") == "192.168.0.3"
    with pytest.raises(ValueError, match="not attached to the network 'other'"):
        find_network_ip(data, "other")


def test_pair_outputs_ips_and_link_lines():
    seen = {}

    def program():
        pair = LinkedTomcatPair("p", pair_args(link_second_to_first=True))
        pulumi.export("seen", pulumi.Output.all(pair.first_ip, pair.second_ip, pair.link_hosts))

    deployment, _ = run_program(program, {})
    seen["first"], seen["second"], seen["hosts"] = deployment.outputs["seen"]
    assert seen == {
        "first": "172.17.0.2",
        "second": "172.17.0.3",
        "hosts": [f"172.17.0.2 tomcat01 {fake_id('tomcat01')[:12]}"],
    }
