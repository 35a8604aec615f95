"""The picture of the modes stack, from the engine's answers recorded on a real run (tests/unit/recorded/modes.json,
written by `python -m topology modes --save-answers`): each mode in its container's box, the shared namespace
as an arrow, and only docker0 as a bridge."""

import dataclasses
import shutil
from pathlib import Path

import pytest

from topology.answers import container_facts, load_answers
from topology.model import SharedNamespace, build_topology, network_mode_kind
from topology.render import container_id, draw, read_back, row_order

RECORDED = Path(__file__).parent / "recorded" / "modes.json"
NAMES = ["tomcat-bridge", "tomcat-container", "tomcat-host", "tomcat-none", "tomcat-reference"]


def topology():
    return build_topology(load_answers(RECORDED))


def by_name(name: str):
    return next(c for c in topology().containers if c.name == name)


def test_each_mode_is_read_from_the_engines_network_mode():
    assert [(c.name, c.mode, c.shares_with) for c in topology().containers] == [
        ("tomcat-bridge", "", None),
        ("tomcat-container", "container", "tomcat-reference"),
        ("tomcat-host", "host", None),
        ("tomcat-none", "none", None),
        ("tomcat-reference", "", None),
    ]
    assert topology().namespaces == (SharedNamespace("tomcat-container", "tomcat-reference"),)
    assert [network_mode_kind(m) for m in ("bridge", "mynet", None, "none", "host", "container:ab12")] == [
        "",
        "",
        "",
        "none",
        "host",
        "container",
    ]


def test_only_the_bridge_containers_have_interfaces_and_veth_pairs():
    for name in ("tomcat-bridge", "tomcat-reference"):
        [eth0] = by_name(name).interfaces
        assert (eth0.name, eth0.network, eth0.host_veth.bridge) == ("eth0", "bridge", "docker0")
    for name in ("tomcat-none", "tomcat-host", "tomcat-container"):
        assert by_name(name).interfaces == ()  # the host's or the reference's are not theirs to draw
    # The engine lists `host` and `none` as networks: said in the boxes, not drawn as bridges or noted.
    assert [b.network for b in topology().bridges] == ["bridge"] and topology().notes == ()


def test_a_joined_container_outside_the_stack_is_named_by_its_short_id_and_gets_no_arrow():
    answers = load_answers(RECORDED)
    outside = tuple(f for f in answers.containers if f["Name"] != "/tomcat-reference")
    shown = build_topology(dataclasses.replace(answers, containers=outside))
    joiner = next(c for c in shown.containers if c.name == "tomcat-container")
    assert joiner.shares_with == by_name("tomcat-reference").short_id and shown.namespaces == ()


def test_answers_recorded_before_network_modes_were_read_are_kept_as_they_were():
    inspect = {"Id": "x", "Name": "/a", "HostConfig": {"ExtraHosts": None, "Links": None}}
    assert container_facts(inspect)["HostConfig"] == {"ExtraHosts": None, "Links": None}
    assert container_facts({**inspect, "HostConfig": {"NetworkMode": "host"}})["HostConfig"]["NetworkMode"] == "host"


def test_the_joiner_sits_next_to_the_container_whose_namespace_it_shares():
    shown = topology()
    assert [c.name for c in row_order(shown.containers, shown.replications, shown.namespaces)] == [
        "tomcat-bridge",
        "tomcat-host",
        "tomcat-none",
        "tomcat-reference",
        "tomcat-container",
    ]


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_the_picture_says_each_mode_and_draws_the_shared_namespace():
    groups = read_back(draw(topology(), ["svg"])["svg"])
    assert {"network mode none", "only lo: no interface, no route out"} <= set(groups[container_id("tomcat-none")])
    assert "network mode host" in groups[container_id("tomcat-host")]
    assert {"network mode container:tomcat-reference", "the interfaces, IP and MAC of tomcat-reference"} <= set(
        groups[container_id("tomcat-container")]
    )
    assert "namespace/tomcat-container/tomcat-reference" in groups
    assert any("network mode container:<it>" in text for text in groups["legend"])
    assert "veth-pair/tomcat-host/host" not in groups  # no pair for an endpoint that has none
