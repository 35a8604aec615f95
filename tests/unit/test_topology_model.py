"""The graph model of a stack, built from engine answers recorded on a real run (tests/unit/recorded/,
written by `python -m topology STACK --save-answers`), and from variations of them."""

import dataclasses
import ipaddress
import json
from pathlib import Path

from topology.answers import EngineAnswers, answers_from_dict, load_answers, parse_interfaces
from topology.model import HostsLink, PublishedPort, build_topology, published_ports

RECORDED = Path(__file__).parent / "recorded"


def recorded(stack: str) -> EngineAnswers:
    return load_answers(RECORDED / f"{stack}.json")


def _container(topology, name):
    return next(c for c in topology.containers if c.name == name)


def _with_facts(answers: EngineAnswers, name: str, **host_config) -> EngineAnswers:
    """The answers with one container's HostConfig fields replaced."""
    containers = []
    for facts in answers.containers:
        if facts["Name"] == f"/{name}":
            facts = {**facts, "HostConfig": {**facts["HostConfig"], **host_config}}
        containers.append(facts)
    return dataclasses.replace(answers, containers=tuple(containers))


def test_bridge_every_container_has_eth0_on_docker0_paired_with_its_host_veth_by_index():
    topology = build_topology(recorded("bridge"))
    assert [c.name for c in topology.containers] == ["tomcat01", "tomcat02"]
    [docker0] = topology.bridges
    # The default bridge's IPAM names no gateway on this engine: the endpoints' gateway fills it.
    assert (docker0.device, docker0.network, docker0.subnet, docker0.gateway) == (
        "docker0",
        "bridge",
        "172.17.0.0/16",
        "172.17.0.1",
    )
    for container in topology.containers:
        [eth0] = container.interfaces
        assert (eth0.name, eth0.network, eth0.prefix_len) == ("eth0", "bridge", 16)
        assert ipaddress.ip_address(eth0.ip) in ipaddress.ip_network(docker0.subnet)
        veth = eth0.host_veth
        assert veth is not None and veth.name.startswith("veth") and veth.bridge == "docker0"
        # eth0@if<veth's index> on one side, veth@if<eth0's index> on the other, as `ip link` shows them.
        assert (veth.ifindex, veth.peer_ifindex) == (eth0.peer_ifindex, eth0.ifindex)
        assert eth0.ip_link_name == f"{eth0.ifindex}: eth0@if{veth.ifindex}"
        assert veth.ip_link_name == f"{veth.ifindex}: {veth.name}@if{eth0.ifindex}"
        [port] = container.ports
        assert (port.host_ip, port.container_port, port.protocol) == ("127.0.0.1", 8080, "tcp")
    assert topology.links == () and topology.replications == () and topology.notes == ()
    assert topology.hosts[0].host_detail_missing is None
    assert _container(topology, "tomcat01").image == "docker-networking/tomcat:local"  # the id's tag


def test_link_is_one_arrow_from_tomcat03_to_tomcat02_with_the_hosts_line():
    answers = recorded("link")
    topology = build_topology(answers)
    tomcat02 = _container(topology, "tomcat02")
    ip = tomcat02.interfaces[0].ip
    assert topology.links == (HostsLink("tomcat03", "tomcat02", f"/etc/hosts: {ip} tomcat02 {tomcat02.short_id}"),)


def test_mynet_tomcat01_has_a_second_interface_on_mynet_through_a_second_veth_pair():
    topology = build_topology(recorded("mynet"))
    bridges = {b.network: b for b in topology.bridges}
    mynet = bridges["mynet"]
    assert mynet.device == "br-" + mynet.network_id[:12]
    assert (mynet.subnet, mynet.gateway) == ("192.168.0.0/16", "192.168.0.1")
    eth0, eth1 = _container(topology, "tomcat01").interfaces
    assert (eth0.name, eth0.network, eth0.host_veth.bridge) == ("eth0", "bridge", "docker0")
    assert (eth1.name, eth1.network, eth1.host_veth.bridge) == ("eth1", "mynet", mynet.device)
    assert ipaddress.ip_address(eth1.ip) in ipaddress.ip_network(mynet.subnet)
    assert eth0.host_veth != eth1.host_veth
    for name in ("tomcat-net-01", "tomcat-net-02"):
        [only] = _container(topology, name).interfaces
        assert (only.name, only.network, only.host_veth.bridge) == ("eth0", "mynet", mynet.device)


def test_a_remote_engine_draws_no_host_side_and_says_why():
    answers = recorded("bridge")
    remote = dataclasses.replace(
        answers, host_links=None, engine=dataclasses.replace(answers.engine, address="tcp://10.1.2.3:2376", local=False)
    )
    host = build_topology(remote).hosts[0]
    assert host.host_detail_missing is not None
    assert "tcp://10.1.2.3:2376 is on another machine" in host.host_detail_missing
    assert all(i.host_veth is None and i.name == "eth0" for c in host.containers for i in c.interfaces)


def test_a_local_engine_whose_bridges_are_not_in_this_namespace_says_so():
    host = build_topology(dataclasses.replace(recorded("bridge"), host_links=[])).hosts[0]
    assert host.host_detail_missing is not None
    assert "not in this machine's network namespace" in host.host_detail_missing
    assert all(i.host_veth is None for c in host.containers for i in c.interfaces)


def test_a_container_that_could_not_be_asked_keeps_its_engine_facts_without_a_name():
    answers = recorded("bridge")
    asked = dataclasses.replace(answers, interfaces={"tomcat01": answers.interfaces["tomcat01"]})
    [interface] = _container(build_topology(asked), "tomcat02").interfaces
    assert interface.name is None and interface.host_veth is None and interface.ip
    assert interface.ip_link_name == "(interface on bridge)"


def test_networks_of_other_drivers_are_left_out_with_a_note():
    answers = recorded("bridge")
    overlay = {
        "Id": "o" * 64,
        "Name": "ingress",
        "Driver": "overlay",
        "Scope": "swarm",
        "Labels": {},
        "Options": {},
        "IPAM": {"Config": [{"Subnet": "10.0.0.0/24", "Gateway": "10.0.0.1"}]},
    }
    topology = build_topology(dataclasses.replace(answers, networks=answers.networks + (overlay,)))
    assert [b.network for b in topology.bridges] == ["bridge"]
    assert topology.notes == ("network ingress (driver overlay) is not drawn: the picture draws bridge networks only",)


def test_a_prefixed_deployment_links_by_its_engine_names():
    text = (RECORDED / "link.json").read_text().replace("tomcat0", "it-0a1b2c-tomcat0")
    prefixed = answers_from_dict(json.loads(text))
    [link] = build_topology(prefixed).links
    assert (link.source, link.target) == ("it-0a1b2c-tomcat03", "it-0a1b2c-tomcat02")


def test_legacy_links_and_both_add_host_forms_are_arrows_and_outside_names_are_not():
    answers = recorded("link")
    tomcat02 = _container(build_topology(answers), "tomcat02")
    legacy = _with_facts(answers, "tomcat03", ExtraHosts=None, Links=["/tomcat02:/tomcat03/db"])
    assert build_topology(legacy).links == (HostsLink("tomcat03", "tomcat02", "--link tomcat02:db"),)
    equals_form = _with_facts(answers, "tomcat03", ExtraHosts=[f"{tomcat02.short_id}=172.17.0.9"])
    assert build_topology(equals_form).links == (
        HostsLink("tomcat03", "tomcat02", f"/etc/hosts: 172.17.0.9 {tomcat02.short_id}"),
    )
    outside = _with_facts(answers, "tomcat03", ExtraHosts=["host.docker.internal:host-gateway"])
    assert build_topology(outside).links == ()


def test_published_ports_drop_ipv6_twins_and_unpublished_ports():
    ports = {
        "8080/tcp": [{"HostIp": "0.0.0.0", "HostPort": "32768"}, {"HostIp": "::", "HostPort": "32768"}],
        "16379/tcp": None,
    }
    assert published_ports(ports) == (PublishedPort("0.0.0.0", 32768, 8080, "tcp"),)
    assert str(published_ports(ports)[0]) == "0.0.0.0:32768 -> 8080/tcp"


def test_interface_listing_skips_what_is_not_name_index_peer_mac():
    parsed = parse_interfaces("eth0 84 85 02:42:C0:A8:00:02\nsh: 1: cat: not found\nlo 1 1 00:00:00:00:00:00\n")
    assert [(e.name, e.ifindex, e.iflink, e.mac) for e in parsed] == [
        ("eth0", 84, 85, "02:42:c0:a8:00:02"),
        ("lo", 1, 1, "00:00:00:00:00:00"),
    ]
