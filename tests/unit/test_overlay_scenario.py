"""The overlay stack under mocks, against a fake Swarm: the resource graph (an attachable overlay, two
services pinned to two other nodes with dnsrr, tomcat01 on the manager connected while running), the
placement it chooses, and bad input (no manager, too few nodes, a subnet taken on a node) failing before
anything is registered."""

import ipaddress
from typing import Any, Dict

import pulumi
import pytest

from components.engine.inventory import EngineNetwork
from components.errors import ConfigError
from components.swarm.facts import MANAGER
from components.swarm.overlay import VXLAN_IDS_OPTION, vxlan_id
from scenarios import overlay

from .doubles.inventory import FakeInventory
from .doubles.pulumi_mocks import fake_id, run_program
from .doubles.swarm import FakeSwarm, swarm_node

SERVICE = "docker:index/service:Service"
NETWORK = "docker:index/network:Network"
CONNECTION = "dynamic/docker-networking:NetworkConnection"
LOCAL_IMAGE = "docker-networking/tomcat:local"
SUBNET = "10.39.0.0/24"


def config(**overlay_settings: Any) -> Dict[str, Any]:
    return {"scenario": "overlay", "tomcatImage": LOCAL_IMAGE, "overlay": overlay_settings}


def deploy(settings: Dict[str, Any]):
    deployment, _ = run_program(lambda: overlay.build(pulumi.Config()), settings, stack="overlay")
    return deployment


def refused(settings: Dict[str, Any]) -> ConfigError:
    deployment, error = run_program(
        lambda: overlay.build(pulumi.Config()), settings, stack="overlay", expect=ConfigError
    )
    assert deployment.resources == []  # nothing registered: the check came first
    return error


def labels_of(resource) -> Dict[str, str]:
    return {item["label"]: item["value"] for item in resource.state["labels"]}


def test_the_graph_an_overlay_two_pinned_services_and_tomcat01_connected(fake_swarm: FakeSwarm):
    deployment = deploy(config())
    (network,) = deployment.of_type(NETWORK)
    assert network.state["driver"] == "overlay"
    assert network.state["attachable"] is True
    assert network.state["ipamConfigs"] == [{"subnet": SUBNET, "gateway": "10.39.0.1"}]
    assert network.state["options"] == {VXLAN_IDS_OPTION: str(vxlan_id("mynet"))}
    services = {s.state["name"]: s for s in deployment.of_type(SERVICE)}
    assert sorted(services) == ["tomcat-net-01", "tomcat-net-02"]
    for service in services.values():
        assert service.state["endpointSpec"]["mode"] == "dnsrr"  # no IPVS needed
        assert service.state["taskSpec"]["networksAdvanceds"] == [{"id": fake_id("mynet")}]
        assert service.state["taskSpec"]["containerSpec"]["image"] == LOCAL_IMAGE
        assert service.state["mode"] == {"replicated": {"replicas": 1}}
    constraints = {name: s.state["taskSpec"]["placement"]["constraints"] for name, s in services.items()}
    assert constraints == {"tomcat-net-01": ["node.hostname==dn-swarm2"], "tomcat-net-02": ["node.hostname==dn-swarm3"]}
    tomcat01 = deployment.containers()["tomcat01"]
    assert tomcat01.state["networkMode"] == "bridge"  # on the manager's docker0 first
    (connection,) = deployment.of_type(CONNECTION)
    assert connection.state["network"] == fake_id("mynet")
    assert connection.state["container"] == fake_id("tomcat01")


def test_the_outputs_name_the_network_and_each_services_node(fake_swarm: FakeSwarm):
    outputs = deploy(config()).outputs
    assert outputs["network"] == {
        "name": "mynet",
        "id": fake_id("mynet"),
        "subnet": SUBNET,
        "gateway": "10.39.0.1",
        "driver": "overlay",
    }
    assert {name: s["node"] for name, s in outputs["services"].items()} == {
        "tomcat-net-01": "dn-swarm2",
        "tomcat-net-02": "dn-swarm3",
    }
    assert outputs["containers"]["tomcat01"]["networks"]["mynet"] == "10.39.0.100"


def test_a_prefix_goes_before_every_name_and_labels_everything(fake_swarm: FakeSwarm):
    deployment = deploy({**config(), "namePrefix": "it-abcdef-"})
    names = sorted(r.state["name"] for r in deployment.resources if r.type in (SERVICE, NETWORK))
    assert names == ["it-abcdef-mynet", "it-abcdef-tomcat-net-01", "it-abcdef-tomcat-net-02"]
    for resource in [*deployment.of_type(SERVICE), *deployment.of_type(NETWORK)]:
        assert labels_of(resource)["io.docker-networking.name-prefix"] == "it-abcdef-"


def test_a_placement_given_is_kept_and_the_other_service_takes_a_free_node(fake_swarm: FakeSwarm):
    fake_swarm.nodes.append(swarm_node("dn-swarm4"))
    deployment = deploy(config(placement={"tomcat-net-02": "dn-swarm2"}))
    constraints = {
        s.state["name"]: s.state["taskSpec"]["placement"]["constraints"] for s in deployment.of_type(SERVICE)
    }
    assert constraints == {"tomcat-net-01": ["node.hostname==dn-swarm3"], "tomcat-net-02": ["node.hostname==dn-swarm2"]}


def test_without_the_connection_tomcat01_stays_on_docker0_alone(fake_swarm: FakeSwarm):
    assert deploy(config(connectTomcat01=False)).of_type(CONNECTION) == []


def test_the_node_engines_are_asked_for(fake_swarm: FakeSwarm):
    deploy(config(nodeEngines={"dn-swarm3": "unix:///run/docker-networking/swarm/node3.sock"}))
    assert fake_swarm.asked_for_engines == ["dn-swarm3"]


def test_an_engine_outside_any_swarm_is_refused(fake_swarm: FakeSwarm):
    fake_swarm.manager, fake_swarm.local_state = False, "inactive"
    error = refused(config())
    assert error.setting == "DOCKER_HOST"
    assert "not part of a Swarm" in error.problem
    assert "make -s swarm-env" in error.fix


def test_a_worker_is_refused(fake_swarm: FakeSwarm):
    fake_swarm.manager = False
    error = refused(config())
    assert error.setting == "DOCKER_HOST"
    assert "Swarm worker" in error.problem


def test_too_few_nodes_for_the_placement(fake_swarm: FakeSwarm):
    fake_swarm.nodes[2] = swarm_node("dn-swarm3", ready=False)
    error = refused(config())
    assert error.setting == "docker-networking:overlay.placement"
    assert "needs 3 Swarm nodes and the Swarm has 2 ready" in error.problem
    assert "docker swarm join-token worker" in error.fix


def test_a_node_that_is_not_there(fake_swarm: FakeSwarm):
    error = refused(config(placement={"tomcat-net-01": "dn-swarm9"}))
    assert error.setting == "docker-networking:overlay.placement.tomcat-net-01"
    assert "dn-swarm9" in error.problem


def test_two_services_on_one_node(fake_swarm: FakeSwarm):
    error = refused(config(placement={"tomcat-net-01": "dn-swarm2", "tomcat-net-02": "dn-swarm2"}))
    assert error.setting == "docker-networking:overlay.placement"
    assert "on one node" in error.problem


def test_a_service_on_the_managers_node(fake_swarm: FakeSwarm):
    error = refused(config(placement={"tomcat-net-01": "dn-swarm1"}))
    assert "on one node" in error.problem


def test_a_subnet_taken_by_a_network_on_another_node(fake_swarm: FakeSwarm):
    taken = EngineNetwork(name="local-only", id="c" * 64, subnets=(ipaddress.IPv4Network("10.39.0.0/16"),))
    fake_swarm.inventories = {MANAGER: FakeInventory(), "node dn-swarm3": FakeInventory(networks=[taken])}
    error = refused(config())
    assert error.setting == "docker-networking:overlay.network.subnet"
    assert "overlaps the engine network 'local-only' (10.39.0.0/16), on node dn-swarm3" in error.problem


@pytest.mark.parametrize(
    ("settings", "setting"),
    [
        ({"placment": {}}, "docker-networking:overlay.placment"),
        ({"network": {"subnet": "10.39.0.1/24"}}, "docker-networking:overlay.network.subnet"),
        ({"network": {"encrypted": "yes"}}, "docker-networking:overlay.network.encrypted"),
        ({"placement": {"tomcat-net-03": "dn-swarm2"}}, "docker-networking:overlay.placement.tomcat-net-03"),
        ({"nodeEngines": {"dn-swarm2": "unix://"}}, "docker-networking:overlay.nodeEngines.dn-swarm2"),
    ],
)
def test_bad_settings_name_the_setting(fake_swarm: FakeSwarm, settings: Dict[str, Any], setting: str):
    assert refused(config(**settings)).setting == setting


def test_an_encrypted_overlay_asks_the_driver_for_it(fake_swarm: FakeSwarm):
    (network,) = deploy(config(network={"encrypted": True})).of_type(NETWORK)
    assert network.state["options"]["encrypted"] == "true"


def test_the_vxlan_id_is_the_same_for_a_name_and_far_from_the_swarms_own():
    assert vxlan_id("mynet") == vxlan_id("mynet") != vxlan_id("it-abcdef-mynet")
    assert all(1_000_000 <= vxlan_id(f"net-{n}") < 2**24 for n in range(200))
