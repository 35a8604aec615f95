"""The modes stack under mocks: one container per mode, the joiner's dependency on the container it joins,
names and labels, outputs, and bad input stopping the program before anything is registered."""

import logging
from typing import Any, Dict

import pulumi
import pytest

from components.errors import ConfigError
from components.labels import COMPONENT_LABEL, NAME_PREFIX_LABEL, PROJECT_LABEL, STACK_LABEL
from components.tomcat.network_modes import MOVE_TOMCAT
from scenarios import modes, modes_settings

from .doubles.pulumi_mocks import fake_id, run_program
from .test_modes_checks import FakeView, inspect

CONTAINER = "docker:index/container:Container"
LOCAL_IMAGE = "docker-networking/tomcat:local"
NAMES = ["tomcat-bridge", "tomcat-container", "tomcat-host", "tomcat-none", "tomcat-reference"]


def deploy(config: Dict[str, Any], view: Any = None, expect: Any = None):
    view = view if view is not None else FakeView()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(modes_settings, "default_modes_view", lambda: view)
        return run_program(
            lambda: modes.build(pulumi.Config()),
            {"scenario": "modes", "tomcatImage": LOCAL_IMAGE, **config},
            stack="modes",
            expect=expect,
        )


def labels_of(resource) -> Dict[str, str]:
    return {item["label"]: item["value"] for item in resource.state["labels"]}


def test_one_container_per_mode_and_the_reference_from_the_same_image():
    deployment, _ = deploy({})
    # docker0 is looked up, not registered: the stack holds the image and the five containers.
    assert sorted((r.type.split(":")[-1], r.name) for r in deployment.resources) == sorted(
        [("RemoteImage", "tomcat-image")] + [("Container", name) for name in NAMES]
    )
    containers = deployment.containers()
    assert sorted(containers) == NAMES  # no prefix: the tutorial's names
    assert {c.state["image"] for c in containers.values()} == {"sha256:" + fake_id(LOCAL_IMAGE)}
    assert {name: c.state["networkMode"] for name, c in containers.items()} == {
        "tomcat-reference": "bridge",
        "tomcat-bridge": "bridge",
        "tomcat-none": "none",
        "tomcat-host": "host",
        "tomcat-container": "container:" + fake_id("tomcat-reference"),
    }  # by id: the engine's own form
    for name, container in containers.items():
        assert labels_of(container) == {
            PROJECT_LABEL: "docker-networking",
            STACK_LABEL: "modes",
            COMPONENT_LABEL: "NetworkMode",
        }
        assert container.delete_before_replace, name  # fixed names: the old one goes first


def test_only_the_bridge_containers_publish_and_the_others_move_tomcat_where_it_would_collide():
    containers = deploy({"modes": {"hostPort": 18080}})[0].containers()
    for name in ("tomcat-reference", "tomcat-bridge"):
        assert containers[name].state["ports"][0]["ip"] == "127.0.0.1"  # as -P, on loopback
        assert "command" not in containers[name].state
    for name in ("tomcat-none", "tomcat-host", "tomcat-container"):
        assert containers[name].state["ports"] == []
    assert "command" not in containers["tomcat-none"].state  # its own lo: the image's 8080 as it is
    assert containers["tomcat-host"].state["command"] == ["sh", "-c", MOVE_TOMCAT]
    assert containers["tomcat-host"].state["envs"] == ["TOMCAT_HTTP_PORT=18080", "TOMCAT_HTTP_ADDRESS=127.0.0.1"]
    # The namespace it joins has a Tomcat on 8080 already: the joiner's takes 8081, on every address.
    assert containers["tomcat-container"].state["envs"] == ["TOMCAT_HTTP_PORT=8081", "TOMCAT_HTTP_ADDRESS=0.0.0.0"]


def test_the_joiner_depends_on_the_container_it_joins_through_its_network_mode():
    """What makes Pulumi delete the joiner before the joined container is replaced or destroyed: its
    network_mode (which forces a replacement) depends on that container's id."""
    deployment, _ = deploy({})
    joiner, reference = deployment.named("tomcat-container"), deployment.named("tomcat-reference")
    assert joiner.property_dependencies["networkMode"] == [reference.urn]


def test_a_name_prefix_goes_before_every_name_and_labels_every_container():
    deployment, _ = deploy({"namePrefix": "it-1a2b3c-", "modes": {"containerJoins": "tomcat-none"}})
    containers = deployment.containers()
    assert sorted(containers) == [f"it-1a2b3c-{name}" for name in NAMES]
    assert all(labels_of(c)[NAME_PREFIX_LABEL] == "it-1a2b3c-" for c in containers.values())
    assert containers["it-1a2b3c-tomcat-container"].state["networkMode"] == "container:" + fake_id(
        "it-1a2b3c-tomcat-none"
    )
    assert deployment.named("tomcat-container").property_dependencies["networkMode"] == [
        deployment.named("tomcat-none").urn
    ]


def test_outputs_say_each_containers_mode_addresses_and_interfaces_as_the_engine_reports_them():
    outputs = deploy({"namePrefix": "dev-", "modes": {"hostPort": 18080}})[0].outputs
    containers = outputs["containers"]
    assert sorted(containers) == NAMES
    assert containers["tomcat-bridge"] == {
        "name": "dev-tomcat-bridge",
        "id": fake_id("dev-tomcat-bridge"),
        "mode": "bridge",
        "networkMode": "bridge",
        "networks": {"bridge": "172.17.0.3"},
        "ips": ["172.17.0.3"],
        "ports": ["127.0.0.1:32774->8080/tcp"],
        "interfaces": {"bridge": {"ip": "172.17.0.3/16", "mac": "02:42:ac:11:00:03", "gateway": ""}},
    }
    assert containers["tomcat-none"]["interfaces"] == {"none": {"ip": "", "mac": "", "gateway": ""}}
    assert (containers["tomcat-none"]["mode"], containers["tomcat-none"]["ips"]) == ("none", [])
    host = containers["tomcat-host"]
    assert (host["mode"], host["ips"], host["ports"], host["url"]) == ("host", [], [], "http://127.0.0.1:18080/")
    joiner = containers["tomcat-container"]
    assert (joiner["mode"], joiner["interfaces"], joiner["ips"]) == ("container:dev-tomcat-reference", {}, [])
    assert joiner["networkMode"] == "container:" + fake_id("dev-tomcat-reference")
    assert joiner["joins"] == {
        "container": "tomcat-reference",
        "name": "dev-tomcat-reference",
        "id": fake_id("dev-tomcat-reference"),
        "ips": ["172.17.0.2"],
    }
    assert "url" not in joiner and "joins" not in host
    assert outputs["networks"]["bridge"]["subnet"] == "172.17.0.0/16"


# --- bad input: a clear error naming the setting, before anything is registered ------------------------


@pytest.mark.parametrize(
    "config, view, setting, problem",
    [
        (
            {"modes": {"containerJoins": "tomcat-ref"}},
            FakeView(),
            "modes.containerJoins",
            "'tomcat-ref' is not a container this stack defines",
        ),
        ({"modes": {"containerJoins": "tomcat-host"}}, FakeView(), "modes.containerJoins", "which is mode host"),
        (
            {"modes": {"hostPort": 8080}},
            FakeView(taken={8080}),
            "modes.hostPort",
            "port 8080 on 127.0.0.1 of this machine is already in use",
        ),
        ({}, FakeView(published={8080: ["tomcat01"]}), "modes.hostPort", "published by the container tomcat01"),
        ({"modes": {"hostPort": 70000}}, FakeView(), "modes.hostPort", "70000 is not a TCP port"),
        (
            {"modes": {"hostPorts": {"tomcat-host": 8080}}},
            FakeView(),
            "modes.hostPorts",
            "'hostPorts' is not a setting here",
        ),
        ({"modes": "8080"}, FakeView(), "modes", "expected an object"),
        ({"namePrefix": "-x"}, FakeView(), "namePrefix", "cannot start a container name"),
    ],
)
def test_bad_input_registers_nothing(config, view, setting, problem):
    deployment, error = deploy(config, view=view, expect=ConfigError)
    assert error.setting == f"docker-networking:{setting}"
    assert problem in error.problem
    assert deployment.resources == []


def test_the_port_its_own_tomcat_host_holds_is_no_conflict():
    own = inspect("tomcat-host", "h" * 64, mode="host", env=["TOMCAT_HTTP_PORT=8080"], prefix="")
    deployment, _ = deploy({}, view=FakeView(taken={8080}, containers={own["Id"]: own}))
    assert sorted(deployment.containers()) == NAMES


def test_what_could_not_be_checked_and_a_stale_namespace_are_warnings(caplog, monkeypatch):
    monkeypatch.setattr("scenarios.modes.ephemeral_range", lambda: (32768, 60999))
    reference = inspect("tomcat-reference", "r" * 64, started="2026-12-02T03:11:40Z", prefix="")
    joiner = inspect(
        "tomcat-container", "c" * 64, mode="container:" + "r" * 64, started="2026-12-02T03:10:00Z", prefix=""
    )
    view = FakeView(engine="tcp://build-box:2376", local=False, containers={c["Id"]: c for c in (reference, joiner)})
    with caplog.at_level(logging.WARNING):
        deployment, _ = deploy({"modes": {"hostPort": 40000}}, view=view)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("cannot check that port 40000 is free" in w and "tcp://build-box:2376" in w for w in warnings)
    assert any("docker-networking:modes.hostPort" in w and "ephemeral port range" in w for w in warnings)
    assert any("tomcat-container is in a network namespace tomcat-reference no longer has" in w for w in warnings)
    assert sorted(deployment.containers()) == NAMES  # warnings: the deployment goes on
