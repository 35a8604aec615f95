"""What the Swarm stacks read of a manager, from the engine API's own shapes (GET /info, GET /nodes), and the
nodes' engines `make -s swarm-env` exports."""

from typing import Any, Dict

from components.swarm.facts import exported_engines, parse_facts, parse_node

NODE: Dict[str, Any] = {
    "ID": "lmjd6y88y3kr8tc9bngl3f14s",
    "Description": {"Hostname": "dn-swarm2"},
    "Spec": {"Role": "worker", "Availability": "active", "Labels": {"dn-node": "2"}},
    "Status": {"State": "ready", "Addr": "10.199.40.12"},
}


def test_a_ready_active_node():
    node = parse_node(NODE)
    assert (node.hostname, node.node_id, node.role, node.ready, node.address) == (
        "dn-swarm2",
        "lmjd6y88y3kr8tc9bngl3f14s",
        "worker",
        True,
        "10.199.40.12",
    )
    assert node.labels == {"dn-node": "2"}


def test_a_down_or_drained_node_takes_no_tasks():
    assert not parse_node({**NODE, "Status": {"State": "down"}}).ready
    assert not parse_node({**NODE, "Spec": {**NODE["Spec"], "Availability": "drain"}}).ready


def test_a_manager_and_its_nodes():
    info = {"Name": "dn-swarm1", "Swarm": {"LocalNodeState": "active", "ControlAvailable": True}}
    facts = parse_facts(info, [NODE])
    assert (facts.manager, facts.local_state, facts.hostname) == (True, "active", "dn-swarm1")
    assert list(facts.ready_nodes()) == ["dn-swarm2"]


def test_an_engine_outside_any_swarm():
    facts = parse_facts({"Name": "vm", "Swarm": {"LocalNodeState": "inactive", "ControlAvailable": False}}, [])
    assert (facts.manager, facts.local_state, facts.nodes) == (False, "inactive", ())


def test_the_node_engines_make_swarm_env_exports():
    environ = {"DOCKER_NETWORKING_SWARM_HOSTS": "dn-swarm1=unix:///run/a.sock,dn-swarm2=unix:///run/b.sock"}
    assert exported_engines(environ) == {"dn-swarm1": "unix:///run/a.sock", "dn-swarm2": "unix:///run/b.sock"}
    assert exported_engines({}) == {}
