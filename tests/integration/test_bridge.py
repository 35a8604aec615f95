"""Scenario 1 on a real engine: tomcat01 and tomcat02 on the default bridge (docker0).

The stack goes up once for the module; the destroy test runs last (pytest keeps file order). Outputs
name the containers as the tutorial does; on the engine they carry the run's prefix (`run.name`).
"""

import ipaddress

import pytest

from harness.project_copy import LOCAL_IMAGES

from .tomcat_checks import (
    TOMCAT_PORT,
    changes_only,
    deploy,
    destroy_and_list_leftovers,
    host_side_of_veth,
    http_status_line,
    ipv4_interfaces,
    ping,
    preview_ops,
    published_port,
    resolve,
    run_in,
    wait_for_tcp,
)

pytestmark = pytest.mark.integration

STACK = "bridge"
CONTAINERS = ("tomcat01", "tomcat02")


@pytest.fixture(scope="module")
def bridge(project):
    stack, outputs = deploy(project, STACK)
    yield stack, outputs
    stack.destroy(on_output=print)  # one Tomcat stack up at a time, even if a test failed


@pytest.fixture(scope="module")
def docker0_subnet(docker_client):
    [config] = docker_client.api.inspect_network("bridge")["IPAM"]["Config"]
    return ipaddress.IPv4Network(config["Subnet"])


def test_each_container_has_one_eth0_in_docker0s_subnet(bridge, docker_client, docker0_subnet, run):
    _, outputs = bridge
    for name in CONTAINERS:
        interfaces = ipv4_interfaces(run.name(name))
        assert list(interfaces) == ["eth0"]
        address = ipaddress.IPv4Address(interfaces["eth0"])
        assert address in docker0_subnet
        assert outputs["containers"][name]["name"] == run.name(name)
        assert outputs["containers"][name]["networks"] == {"bridge": str(address)}
        live = docker_client.api.inspect_container(run.name(name))["NetworkSettings"]["Networks"]
        assert list(live) == ["bridge"]
    assert outputs["networks"]["bridge"]["subnet"] == str(docker0_subnet)


def test_the_host_side_of_each_veth_pair_hangs_on_docker0(bridge, run):
    host_ends = [host_side_of_veth(run.name(name)) for name in CONTAINERS]
    assert all(interface.startswith("veth") and master == "docker0" for interface, master in host_ends), host_ends
    assert host_ends[0][0] != host_ends[1][0]


def test_the_host_reaches_each_container_by_ip(bridge):
    _, outputs = bridge
    for name in CONTAINERS:
        wait_for_tcp(outputs["containers"][name]["networks"]["bridge"], TOMCAT_PORT)


def test_tomcat02_pings_tomcat01_by_ip(bridge, run):
    _, outputs = bridge
    tomcat01_ip = outputs["containers"]["tomcat01"]["networks"]["bridge"]
    code, output = ping(run.name("tomcat02"), tomcat01_ip)
    assert code == 0, output
    assert f"from {tomcat01_ip}" in output


def test_no_name_resolution_on_the_default_bridge(bridge, run):
    # The engine names, which a user-defined network's DNS would answer for.
    tomcat01, tomcat02 = run.name("tomcat01"), run.name("tomcat02")
    assert resolve(tomcat02, tomcat01) is None
    assert resolve(tomcat01, tomcat02) is None
    code, output = ping(tomcat02, tomcat01)
    assert code != 0
    assert "Name or service not known" in output


def test_8080_is_published_on_a_random_loopback_port(bridge, docker_client, run):
    _, outputs = bridge
    ports = set()
    for name in CONTAINERS:
        port = published_port(outputs["containers"][name])
        bindings = docker_client.api.inspect_container(run.name(name))["NetworkSettings"]["Ports"][f"{TOMCAT_PORT}/tcp"]
        assert bindings == [{"HostIp": "127.0.0.1", "HostPort": str(port)}]
        assert http_status_line(port).startswith("HTTP/1.1 ")
        ports.add(port)
    assert len(ports) == 2


def test_links_write_nothing_here(bridge, run):
    code, hosts = run_in(run.name("tomcat02"), "cat", "/etc/hosts")
    assert code == 0 and "tomcat01" not in hosts  # neither the tutorial's name nor the engine's


def test_a_preview_right_after_up_shows_no_changes(bridge):
    stack, _ = bridge
    summary, _ = preview_ops(stack)
    assert changes_only(summary) == {}


def test_destroy_leaves_nothing_and_keeps_the_image(bridge, docker_client, run):
    stack, _ = bridge
    leftovers = destroy_and_list_leftovers(stack, run.prefix)
    assert leftovers == {"containers": [], "networks": [], "volumes": []}
    assert docker_client.images.get(LOCAL_IMAGES["tomcatImage"])


def test_keep_images_false_removes_the_image_on_destroy(project, docker_client, run):
    """On a throw-away tag of the local image, so removing it only untags; the run's own tag."""
    original = docker_client.images.get(LOCAL_IMAGES["tomcatImage"])
    throwaway = f"docker-networking/tomcat:{run.prefix}keepimages"
    original.tag(throwaway)
    try:
        stack, _ = deploy(project, STACK, {"tomcatImage": throwaway, "keepImages": False})
        stack.destroy(on_output=print)
        tags = [tag for image in docker_client.images.list(name="docker-networking/tomcat") for tag in image.tags]
        assert throwaway not in tags
        assert LOCAL_IMAGES["tomcatImage"] in tags
    finally:
        project.set_config(project.stacks[STACK], "tomcatImage", LOCAL_IMAGES["tomcatImage"])
        project.set_config(project.stacks[STACK], "keepImages", True)
        if throwaway in [t for image in docker_client.images.list(name="docker-networking/tomcat") for t in image.tags]:
            docker_client.images.remove(throwaway)
