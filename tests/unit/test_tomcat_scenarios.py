"""The bridge, link and mynet stacks under mocks: resource graph, names, parents, the link's hosts
entry, the outputs, and bad config failing before anything is registered."""

import ipaddress
import logging
from typing import Any, Dict

import pulumi
import pytest

from components.engine.client import EngineTooOld
from components.engine.inventory import HostRoute
from components.errors import ConfigError
from components.labels import COMPONENT_LABEL, NAME_PREFIX_LABEL, PROJECT_LABEL, STACK_LABEL
from components.network.provider import TYPE_TOKEN as NETWORK_TYPE
from scenarios import bridge, build_scenario, link, mynet

from .doubles.engine_api import FakeEngine
from .doubles.pulumi_mocks import fake_id, run_program

CONTAINER = "docker:index/container:Container"
CONNECTION = "dynamic/docker-networking:NetworkConnection"
LOCAL_IMAGE = "docker-networking/tomcat:local"
STACK_URN_SUFFIX = "pulumi:pulumi:Stack::docker-networking-"


def deploy(builder, stack: str, config: Dict[str, Any]):
    """The scenario's program in the stack of its name; mynet's subnet check asks the `fake_inventory`."""
    deployment, _ = run_program(lambda: builder(pulumi.Config()), {"scenario": stack, **config}, stack=stack)
    return deployment


def labels_of(resource) -> Dict[str, str]:
    labels = resource.state["labels"]  # a container's: [{label, value}]; a DockerNetwork's: a mapping
    return dict(labels) if isinstance(labels, dict) else {item["label"]: item["value"] for item in labels}


# --- bridge --------------------------------------------------------------------------------------


def test_bridge_stack_graph():
    deployment = deploy(bridge.build, "bridge", {"tomcatImage": LOCAL_IMAGE})
    # docker0 is looked up, not registered: the engine's own network is no resource of the stack.
    assert sorted((r.type, r.name) for r in deployment.resources) == sorted(
        [
            ("docker:index/remoteImage:RemoteImage", "tomcat-image"),
            ("docker-networking:index:LinkedTomcatPair", "docker0-pair"),
            (CONTAINER, "docker0-pair-tomcat01"),
            (CONTAINER, "docker0-pair-tomcat02"),
        ]
    )
    pair = deployment.named("docker0-pair")
    containers = deployment.containers()
    assert sorted(containers) == ["tomcat01", "tomcat02"]
    for container in containers.values():
        assert container.parent == pair.urn
        assert container.state["networkMode"] == "bridge"
        assert "networksAdvanced" not in container.state
        assert container.state["image"] == "sha256:" + fake_id(LOCAL_IMAGE)
        assert container.state["hosts"] == []
        assert labels_of(container) == {
            PROJECT_LABEL: "docker-networking",
            STACK_LABEL: "bridge",
            COMPONENT_LABEL: "LinkedTomcatPair",
        }
    assert containers["tomcat01"].state["ports"] == [
        {"internal": 8080, "ip": "127.0.0.1", "protocol": "tcp", "external": 32768}
    ]
    image = deployment.named("tomcat-image")
    assert image.state["name"] == LOCAL_IMAGE
    assert image.state["keepLocally"] is True


def test_bridge_stack_outputs():
    outputs = deploy(bridge.build, "bridge", {}).outputs
    assert outputs["containers"]["tomcat01"] == {
        "name": "tomcat01",
        "id": fake_id("tomcat01"),
        "networks": {"bridge": "172.17.0.2"},
        "ports": ["127.0.0.1:32768->8080/tcp"],
        "hosts": [],
    }
    assert outputs["containers"]["tomcat02"]["networks"] == {"bridge": "172.17.0.3"}
    assert outputs["networks"]["bridge"]["subnet"] == "172.17.0.0/16"
    assert outputs["networks"]["bridge"]["gateway"] == "172.17.0.1"


def test_bridge_stack_default_image_fixed_port_and_images_not_kept():
    deployment = deploy(
        bridge.build,
        "bridge",
        {"keepImages": False, "bridge": {"publishAddress": "0.0.0.0", "hostPorts": {"tomcat02": 8082}}},
    )
    image = deployment.named("tomcat-image")
    assert (image.state["name"], image.state["keepLocally"]) == ("tomcat:10.1", False)
    assert deployment.containers()["tomcat02"].state["ports"] == [
        {"internal": 8080, "ip": "0.0.0.0", "protocol": "tcp", "external": 8082}
    ]


@pytest.mark.parametrize(
    "builder,stack,container",
    [(bridge.build, "bridge", "tomcat02"), (link.build, "link", "tomcat01"), (mynet.build, "mynet", "tomcat-net-02")],
)
def test_a_fixed_host_port_in_the_ephemeral_range_gets_a_warning_naming_the_setting(
    builder, stack, container, monkeypatch, caplog, fake_inventory
):
    monkeypatch.setattr("components.tomcat.container.ephemeral_range", lambda: (32768, 60999))
    with caplog.at_level(logging.WARNING):
        deploy(builder, stack, {stack: {"hostPorts": {container: 40000}}})
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert [w for w in warnings if "ephemeral port range" in w] == [
        w for w in warnings if f"docker-networking:{stack}.hostPorts.{container}" in w and "below 32768" in w
    ]
    assert any("ephemeral port range" in w for w in warnings)


def test_fixed_host_ports_below_the_ephemeral_range_get_no_warning(monkeypatch, caplog):
    monkeypatch.setattr("components.tomcat.container.ephemeral_range", lambda: (32768, 60999))
    with caplog.at_level(logging.WARNING):
        deploy(bridge.build, "bridge", {"bridge": {"hostPorts": {"tomcat01": 8081, "tomcat02": 8082}}})
    assert not [r for r in caplog.records if "ephemeral port range" in r.getMessage()]


# --- link ----------------------------------------------------------------------------------------


def test_link_stack_graph_and_the_one_way_hosts_entry():
    deployment = deploy(link.build, "link", {})
    assert deployment.of_type("index:BridgeNetwork") == []  # docker0 is looked up, not registered
    containers = deployment.containers()
    assert sorted(containers) == ["tomcat01", "tomcat02", "tomcat03"]
    pair = deployment.named("link-pair")
    assert containers["tomcat01"].parent.endswith(STACK_URN_SUFFIX + "link")
    assert containers["tomcat01"].name == "tomcat01"
    assert labels_of(containers["tomcat01"])[COMPONENT_LABEL] == "Tomcat"
    assert containers["tomcat02"].parent == pair.urn
    assert containers["tomcat03"].parent == pair.urn
    assert (containers["tomcat02"].name, containers["tomcat03"].name) == ("link-pair-tomcat02", "link-pair-tomcat03")
    # What `--link tomcat02` wrote: tomcat02's IP, its name and its short container ID.
    assert containers["tomcat03"].state["hosts"] == [
        {"host": f"tomcat02 {fake_id('tomcat02')[:12]}", "ip": "172.17.0.3"}
    ]
    assert containers["tomcat02"].state["hosts"] == []
    assert containers["tomcat01"].state["hosts"] == []


def test_link_stack_outputs_show_the_hosts_line():
    outputs = deploy(link.build, "link", {}).outputs
    assert outputs["containers"]["tomcat03"]["hosts"] == [f"172.17.0.3 tomcat02 {fake_id('tomcat02')[:12]}"]
    assert outputs["containers"]["tomcat02"]["hosts"] == []
    assert outputs["containers"]["tomcat01"]["networks"] == {"bridge": "172.17.0.2"}


# --- mynet ---------------------------------------------------------------------------------------


def test_mynet_stack_graph(fake_inventory):
    deployment = deploy(mynet.build, "mynet", {})
    assert fake_inventory.calls == 1  # one look at the engine's networks, before registering (see the bad-config tests)
    assert sorted((r.type.split(":")[-1], r.name) for r in deployment.resources) == [
        ("BridgeNetwork", "mynet"),
        ("Container", "mynet-pair-tomcat-net-01"),
        ("Container", "mynet-pair-tomcat-net-02"),
        ("Container", "tomcat01"),
        ("LinkedTomcatPair", "mynet-pair"),
        ("Network", "mynet"),
        ("NetworkConnection", "tomcat01-mynet"),
        ("RemoteImage", "tomcat-image"),
    ]
    component = deployment.named("mynet", "index:BridgeNetwork")
    network = deployment.of_type(NETWORK_TYPE)[0]
    assert network.parent == component.urn
    assert (network.state["subnet"], network.state["gateway"]) == ("192.168.0.0/16", "192.168.0.1")
    assert labels_of(network)[STACK_LABEL] == "mynet"

    containers = deployment.containers()
    assert sorted(containers) == ["tomcat-net-01", "tomcat-net-02", "tomcat01"]
    assert containers["tomcat01"].state["networkMode"] == "bridge"
    pair = deployment.named("mynet-pair")
    for name in ("tomcat-net-01", "tomcat-net-02"):
        assert containers[name].parent == pair.urn
        assert containers[name].state["networksAdvanced"] == [{"name": "mynet"}]

    [connection] = deployment.of_type(CONNECTION)
    assert connection.name == "tomcat01-mynet"
    assert connection.state["container"] == fake_id("tomcat01")
    assert connection.state["network"] == fake_id("mynet")
    assert connection.state.get("ipv4_address") is None


def test_mynet_outputs_give_tomcat01_two_ips(fake_inventory):
    outputs = deploy(mynet.build, "mynet", {}).outputs
    tomcat01 = outputs["containers"]["tomcat01"]
    assert set(tomcat01["networks"]) == {"bridge", "mynet"}
    assert tomcat01["networks"]["bridge"] == "172.17.0.2"
    assert tomcat01["networks"]["mynet"] == "192.168.0.100"
    assert outputs["networks"]["mynet"] == {
        "name": "mynet",
        "id": fake_id("mynet"),
        "subnet": "192.168.0.0/16",
        "gateway": "192.168.0.1",
    }


def test_mynet_without_the_connection(fake_inventory):
    deployment = deploy(mynet.build, "mynet", {"mynet": {"connectTomcat01": False}})
    assert deployment.of_type(CONNECTION) == []
    assert deployment.outputs["containers"]["tomcat01"]["networks"] == {"bridge": "172.17.0.2"}


def test_mynet_static_ips_and_another_subnet(fake_inventory):
    config = {
        "mynet": {
            "network": {"name": "appnet", "subnet": "10.30.0.0/24"},
            "staticIps": {"tomcat-net-01": "10.30.0.11", "tomcat01": "10.30.0.100"},
        }
    }
    deployment = deploy(mynet.build, "mynet", config)
    containers = deployment.containers()
    assert containers["tomcat-net-01"].state["networksAdvanced"] == [{"name": "appnet", "ipv4Address": "10.30.0.11"}]
    assert containers["tomcat-net-02"].state["networksAdvanced"] == [{"name": "appnet"}]
    [connection] = deployment.of_type(CONNECTION)
    assert connection.state["ipv4_address"] == "10.30.0.100"
    assert deployment.outputs["containers"]["tomcat01"]["networks"]["appnet"] == "10.30.0.100"
    assert deployment.outputs["networks"]["appnet"]["gateway"] == "10.30.0.1"


# --- bad config: rejected before anything is registered ------------------------------------------


@pytest.mark.parametrize(
    "builder, stack, config, setting",
    [
        (
            mynet.build,
            "mynet",
            {"mynet": {"network": {"subnet": "192.168.0.0/33"}}},
            "docker-networking:mynet.network.subnet",
        ),
        (
            mynet.build,
            "mynet",
            {"mynet": {"network": {"subnet": "10.30.0.0/24", "gateway": "10.30.1.1"}}},
            "docker-networking:mynet.network.gateway",
        ),
        (
            mynet.build,
            "mynet",
            {"mynet": {"staticIps": {"tomcat-net-01": "192.168.0.1"}}},
            "docker-networking:mynet.staticIps.tomcat-net-01",
        ),
        (
            mynet.build,
            "mynet",
            {"mynet": {"staticIps": {"tomcat-net-01": "192.168.0.9", "tomcat-net-02": "192.168.0.9"}}},
            "docker-networking:mynet.staticIps",
        ),
        (mynet.build, "mynet", {"mynet": {"colour": "blue"}}, "docker-networking:mynet.colour"),
        (mynet.build, "mynet", {"mynet": "not an object"}, "docker-networking:mynet"),
        (
            bridge.build,
            "bridge",
            {"bridge": {"hostPorts": {"tomcat01": 8081, "tomcat02": 8081}}},
            "docker-networking:bridge.hostPorts.tomcat02",
        ),
        (link.build, "link", {"tomcatImage": "tomcat:"}, "docker-networking:tomcatImage"),
        (link.build, "link", {"link": {"network": {}}}, "docker-networking:link.network"),
        (link.build, "link", {"keepImages": "sometimes"}, "docker-networking:keepImages"),
        # The stack's own namespace: a mistyped key, and one another scenario has.
        (link.build, "link", {"tomcatImag": "tomcat:10.1"}, "docker-networking:tomcatImag"),
        (bridge.build, "bridge", {"redisImage": "redis:7.4"}, "docker-networking:redisImage"),
    ],
)
def test_bad_config_registers_nothing(builder, stack, config, setting, fake_inventory):
    deployment, error = run_program(
        lambda: builder(pulumi.Config()), {"scenario": stack, **config}, stack=stack, expect=ConfigError
    )
    assert error.setting == setting
    assert f"invalid setting '{setting}'" in str(error)
    assert deployment.resources == []


def test_mynet_subnet_overlapping_a_host_route_registers_nothing(fake_inventory):
    fake_inventory.routes.append(HostRoute(device="wlan0", destination=ipaddress.IPv4Network("192.168.1.0/24")))
    deployment, error = run_program(
        lambda: mynet.build(pulumi.Config()), {"scenario": "mynet"}, stack="mynet", expect=ConfigError
    )
    assert error.setting == "docker-networking:mynet.network.subnet"
    assert "192.168.1.0/24 (host route via wlan0)" in error.problem
    assert deployment.resources == []


def test_unknown_scenario_names_the_setting_and_the_choices():
    deployment, error = run_program(
        lambda: build_scenario(pulumi.Config()), {"scenario": "bridges"}, expect=ConfigError
    )
    assert error.setting == "docker-networking:scenario"
    assert "unknown scenario 'bridges'" in error.problem
    assert "bridge, link, modes, mynet, overlay, redis, swarm" in error.fix
    assert deployment.resources == []


def test_a_docker_host_setting_that_docker_host_does_not_match_is_refused_before_anything(monkeypatch, tmp_path):
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no docker context of this machine's
    deployment, error = run_program(
        lambda: build_scenario(pulumi.Config()),
        {"scenario": "bridge", "docker:host": "ssh://admin@build-box"},
        stack="bridge",
        expect=ConfigError,
    )
    assert error.setting == "docker:host"
    assert "DOCKER_HOST is not set" in error.problem
    assert "pulumi config rm docker:host" in error.fix
    # The project's own providers reach ssh:// engines too: exporting it is the fix.
    assert "export DOCKER_HOST=ssh://admin@build-box" in error.fix
    assert deployment.resources == []


def test_a_docker_host_setting_equal_to_docker_host_is_fine(monkeypatch, engine):
    monkeypatch.setenv("DOCKER_HOST", engine.endpoint.host)
    deployment, _ = run_program(
        lambda: build_scenario(pulumi.Config()),
        {"scenario": "bridge", "docker:host": engine.endpoint.host},
        stack="bridge",
    )
    assert sorted(deployment.containers()) == ["tomcat01", "tomcat02"]


def test_registry_dispatches_to_the_bridge_scenario(monkeypatch, engine):
    monkeypatch.setenv("DOCKER_HOST", engine.endpoint.host)
    deployment, _ = run_program(lambda: build_scenario(pulumi.Config()), {"scenario": "bridge"}, stack="bridge")
    assert sorted(deployment.containers()) == ["tomcat01", "tomcat02"]


def test_an_engine_older_than_docker_20_10_stops_the_program_before_anything(monkeypatch):
    old = FakeEngine(docker_version="19.03.15", api_version="1.40")
    monkeypatch.setenv("DOCKER_HOST", old.endpoint.host)
    try:
        deployment, error = run_program(
            lambda: build_scenario(pulumi.Config()), {"scenario": "bridge"}, stack="bridge", expect=EngineTooOld
        )
    finally:
        old.close()
    assert error.setting == "DOCKER_HOST"
    assert "Docker 19.03.15 (API 1.40); the project supports Docker 20.10 (API 1.41) and newer" in error.problem
    assert deployment.resources == [] and old.calls == []


def test_a_context_that_does_not_exist_stops_the_program_before_anything(monkeypatch, tmp_path):
    monkeypatch.delenv("DOCKER_HOST")
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    monkeypatch.setenv("DOCKER_CONTEXT", "does-not-exist")
    deployment, error = run_program(
        lambda: build_scenario(pulumi.Config()), {"scenario": "bridge"}, stack="bridge", expect=ConfigError
    )
    assert error.setting == "DOCKER_CONTEXT"
    assert "there is no Docker context named 'does-not-exist'" in error.problem
    assert deployment.resources == []


# --- namePrefix: test runs and benchmarks deploy beside a person's stacks -------------------------


def test_a_name_prefix_goes_before_every_engine_name_and_labels_every_object(fake_inventory):
    deployment = deploy(mynet.build, "mynet", {"namePrefix": "it-1a2b-"})
    containers = deployment.containers()
    assert sorted(containers) == ["it-1a2b-tomcat-net-01", "it-1a2b-tomcat-net-02", "it-1a2b-tomcat01"]
    network = deployment.of_type(NETWORK_TYPE)[0]
    assert network.state["name"] == "it-1a2b-mynet"
    for labelled in [*containers.values(), network]:
        assert labels_of(labelled)[NAME_PREFIX_LABEL] == "it-1a2b-"
    assert containers["it-1a2b-tomcat-net-01"].state["networksAdvanced"] == [{"name": "it-1a2b-mynet"}]
    # Outputs keep the tutorial's names as keys and say each container's engine name.
    tomcat01 = deployment.outputs["containers"]["tomcat01"]
    assert tomcat01["name"] == "it-1a2b-tomcat01"
    assert set(tomcat01["networks"]) == {"bridge", "it-1a2b-mynet"}
    assert list(deployment.outputs["networks"]) == ["bridge", "it-1a2b-mynet"]


def test_without_a_prefix_names_are_the_tutorials_and_no_prefix_label_is_set():
    deployment = deploy(bridge.build, "bridge", {})
    for container in deployment.containers().values():
        assert NAME_PREFIX_LABEL not in labels_of(container)
    assert deployment.outputs["containers"]["tomcat01"]["name"] == "tomcat01"


def test_a_prefixed_link_writes_the_prefixed_name_as_link_did():
    containers = deploy(link.build, "link", {"namePrefix": "dev."}).containers()
    assert sorted(containers) == ["dev.tomcat01", "dev.tomcat02", "dev.tomcat03"]
    assert containers["dev.tomcat03"].state["hosts"] == [
        {"host": f"dev.tomcat02 {fake_id('dev.tomcat02')[:12]}", "ip": "172.17.0.3"}
    ]


@pytest.mark.parametrize(
    "prefix, problem",
    [
        ("-it", "cannot start a container name"),
        ("it/1", "cannot start a container name"),
        ("x" * 25, "25 characters long"),
    ],
)
def test_a_bad_name_prefix_names_the_setting_and_registers_nothing(prefix, problem):
    deployment, error = run_program(
        lambda: bridge.build(pulumi.Config()),
        {"scenario": "bridge", "namePrefix": prefix},
        stack="bridge",
        expect=ConfigError,
    )
    assert error.setting == "docker-networking:namePrefix"
    assert problem in error.problem
    assert deployment.resources == []
