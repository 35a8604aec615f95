"""The picture: the dot source (pure), and the SVG `dot` draws from it, read back for the tutorial's facts.

The pictures in docs/pictures/ must be what the tool draws now from the recorded runs they came from: when
the drawing changes, the last tests fail until they are drawn again (the command is in the message)."""

import dataclasses
import os
import shutil
from pathlib import Path

import pytest

from harness.project_copy import REPO_ROOT
from tests.conftest import skipping_allowed
from topology.answers import load_answers
from topology.model import build_topology
from topology.render import container_id, draw, graph, read_back, row_order, veth_id

RECORDED = Path(__file__).parent / "recorded"
PICTURES = REPO_ROOT / "docs" / "pictures"
STACKS = sorted(path.stem for path in RECORDED.glob("*.json"))


def topology_of(stack: str, **changes):
    return build_topology(dataclasses.replace(load_answers(RECORDED / f"{stack}.json"), **changes))


@pytest.fixture(scope="module")
def needs_dot() -> None:
    if shutil.which("dot") is None:
        if skipping_allowed() or os.environ.get("CI", "").lower() not in ("1", "true"):
            pytest.skip("Graphviz's dot is not installed (apt-get install graphviz)")
        pytest.fail("Graphviz's dot is not installed: the set-up must install it (apt-get install graphviz)")


def test_the_source_names_every_container_veth_and_bridge():
    topology = topology_of("mynet")
    source = graph(topology).source
    for container in topology.containers:
        assert f'"{container_id(container.name)}"' in source
        for interface in container.interfaces:
            assert f'"{veth_id(interface.host_veth.ifindex)}"' in source
    assert '"bridge/mynet"' in source and '"bridge/bridge"' in source


def test_bridge_picture_shows_names_addresses_and_each_veth_pair(needs_dot):
    topology = topology_of("bridge")
    groups = read_back(draw(topology, ["svg"])["svg"])
    assert {"docker0", "network bridge", "172.17.0.0/16", "gateway 172.17.0.1"} <= set(groups["bridge/bridge"])
    for container in topology.containers:
        texts = groups[container_id(container.name)]
        [eth0] = container.interfaces
        veth = eth0.host_veth
        assert {
            container.name,
            eth0.address,
            eth0.mac,
            f"{eth0.ifindex}: eth0@if{veth.ifindex}",
            str(container.ports[0]),
        } <= set(texts)
        assert groups[veth_id(veth.ifindex)] == [f"{veth.ifindex}: {veth.name}@if{eth0.ifindex}"]
        assert f"veth-pair/{container.name}/eth0" in groups
        assert f"plugged/{veth.name}/docker0" in groups


def test_link_picture_has_one_arrow_from_tomcat03_to_tomcat02_and_none_back(needs_dot):
    topology = topology_of("link")
    groups = read_back(draw(topology, ["svg"])["svg"])
    [link] = topology.links
    assert groups["link/tomcat03/tomcat02"] == [link.entry]
    assert "link/tomcat02/tomcat03" not in groups


def test_mynet_picture_shows_tomcat01s_two_interfaces(needs_dot):
    topology = topology_of("mynet")
    groups = read_back(draw(topology, ["svg"])["svg"])
    tomcat01 = next(c for c in topology.containers if c.name == "tomcat01")
    texts = set(groups[container_id("tomcat01")])
    for interface in tomcat01.interfaces:
        assert {interface.ip_link_name, interface.address, f"network {interface.network}"} <= texts
        assert f"veth-pair/tomcat01/{interface.name}" in groups


def test_a_remote_engine_picture_says_host_side_detail_is_not_available(needs_dot):
    answers = load_answers(RECORDED / "bridge.json")
    topology = topology_of(
        "bridge",
        host_links=None,
        engine=dataclasses.replace(answers.engine, local=False, address="tcp://10.1.2.3:2376"),
    )
    groups = read_back(draw(topology, ["svg"])["svg"])
    assert any("host-side detail not available" in text for text in groups["note/0"])
    assert not any(key.startswith("veth/") for key in groups)
    assert "veth-pair/tomcat01/eth0" in groups  # straight to the bridge, dashed


def test_redis_picture_has_each_role_and_an_arrow_from_each_replica_to_its_master(needs_dot):
    topology = topology_of("redis")
    groups = read_back(draw(topology, ["svg"])["svg"])
    assert "master · slots 0-5461" in groups[container_id("redis-1")]
    assert "replica of redis-1" in groups[container_id("redis-4")]
    assert sorted(key for key in groups if key.startswith("replication/")) == [
        "replication/redis-4/redis-1",
        "replication/redis-5/redis-2",
        "replication/redis-6/redis-3",
    ]


def test_each_replica_sits_next_to_its_master():
    topology = topology_of("redis")
    row = row_order(topology.containers, topology.replications)
    assert [c.name for c in row] == ["redis-1", "redis-4", "redis-2", "redis-5", "redis-3", "redis-6"]
    assert row_order(topology.containers, ()) == list(topology.containers)


def test_notes_are_in_the_picture_and_png_is_a_png(needs_dot):
    topology = dataclasses.replace(topology_of("bridge"), notes=("tomcat02 is not running",))
    pictures = draw(topology, ["svg", "png"])
    assert "tomcat02 is not running" in read_back(pictures["svg"])["legend"]
    assert pictures["png"].startswith(b"\x89PNG")


def test_every_recorded_stack_has_a_picture():
    assert STACKS and sorted(path.stem for path in PICTURES.glob("*.svg")) == STACKS


@pytest.mark.parametrize("stack", STACKS)
def test_the_picture_shows_what_the_tool_draws_now(stack, needs_dot):
    # Compared by what each element shows, not byte for byte: another Graphviz may place things elsewhere.
    drawn = read_back(draw(build_topology(load_answers(RECORDED / f"{stack}.json")), ["svg"])["svg"])
    committed = read_back((PICTURES / f"{stack}.svg").read_bytes())
    assert committed == drawn, (
        f"docs/pictures/{stack}.svg is out of date: draw it again with `.venv/bin/python -m topology {stack} "
        f"--from-answers tests/unit/recorded/{stack}.json --out docs/pictures --formats svg`"
    )
