"""What the tutorial's reader sees differently on this engine, checked against its version (the table in
docs/engines.md): the tutorial's own `--link` on the default bridge, and how far a container's IP can be
reached from outside its bridge.

The containers here are plain docker-py ones (the tutorial's commands, not a stack), named and labelled
with the run's prefix, so the session's cleanup removes them if a test stops half-way.
"""

import subprocess
from typing import Any, Dict, Iterator, List, Tuple

import docker
import pytest

from harness.isolation import RunIsolation
from harness.project_copy import LOCAL_IMAGES
from tests.integration import engine

pytestmark = pytest.mark.integration

TOMCAT = LOCAL_IMAGES["tomcatImage"]
# Docker 29 stopped writing the linked container's variables (TOMCAT02_PORT_8080_TCP_ADDR, ...) and warns
# on --link on the default bridge (moby 29.0 release notes: links are to be removed).
LINKS_LOSE_VARIABLES = 29
LINK_WARNING = "Links on the default bridge network are deprecated"
# Docker 28 drops packets for a container's address that do not come in through its own bridge (raw
# PREROUTING), so other hosts on the LAN no longer reach unpublished ports by routing to the container.
DIRECT_ROUTING_BLOCKED = 28


def _major(client: docker.DockerClient) -> int:
    return int(str(client.version()["Version"]).split(".")[0])


@pytest.fixture(scope="module")
def docker_engine(toolchain_env: Dict[str, str], clean_engine: None) -> Iterator[docker.DockerClient]:
    with engine.client() as client:
        yield client


def _start(client: docker.DockerClient, run: RunIsolation, name: str, **host: Any) -> Tuple[str, List[str]]:
    """Creates and starts a container as `docker run -d` does (`host`: its host config); its id and the
    engine's warnings."""
    api = client.api
    created = api.create_container(
        TOMCAT, name=run.name(name), labels=run.labels, host_config=api.create_host_config(**host)
    )
    api.start(created["Id"])
    return created["Id"], list(created.get("Warnings") or [])


def test_the_tutorials_link_on_the_default_bridge(docker_engine, run):
    """`docker run -d -P --name tomcat03 --link tomcat02 tomcat`: the hosts line on every engine; the
    variables only before Docker 29, the warning only from it."""
    major = _major(docker_engine)
    ids: List[str] = []
    try:
        target, _ = _start(docker_engine, run, "link-probe-02", publish_all_ports=True)
        ids.append(target)
        linked, warnings = _start(
            docker_engine,
            run,
            "link-probe-03",
            publish_all_ports=True,
            links={run.name("link-probe-02"): "tomcat02"},
        )
        ids.append(linked)
        code, hosts = engine.exec_in(run.name("link-probe-03"), "cat", "/etc/hosts")
        assert code == 0 and any(line.split()[1:2] == ["tomcat02"] for line in hosts.splitlines() if line.strip()), (
            f"no hosts line for tomcat02 in the linked container on Docker {major}: {hosts}"
        )
        code, environment = engine.exec_in(run.name("link-probe-03"), "env")
        variables = sorted(line.split("=")[0] for line in environment.splitlines() if line.startswith("TOMCAT02_"))
        if major >= LINKS_LOSE_VARIABLES:
            assert variables == [], f"Docker {major} still wrote the link's variables: {variables}"
            assert any(LINK_WARNING in warning for warning in warnings), (
                f"no --link warning on Docker {major}: {warnings}"
            )
        else:
            assert "TOMCAT02_PORT_8080_TCP_ADDR" in variables, f"no link variables on Docker {major}: {variables}"
            assert not any(LINK_WARNING in warning for warning in warnings), warnings
    finally:
        for container_id in reversed(ids):
            docker_engine.api.remove_container(container_id, force=True)


def _raw_prerouting_rules() -> List[str]:
    listed = subprocess.run(["iptables", "-t", "raw", "-S", "PREROUTING"], capture_output=True, text=True)
    assert listed.returncode == 0, f"iptables -t raw -S failed: {listed.stderr}"
    return listed.stdout.splitlines()


def test_a_container_ip_answers_only_through_its_own_bridge_from_docker_28(docker_engine, run):
    """The engine's rule for a container on a user-defined network: present from Docker 28, absent before.
    Read where the engine runs (its network namespace), which is where the tests run."""
    if not engine.engine_socket():
        pytest.fail("this check reads the engine's iptables rules: DOCKER_HOST must be this machine's socket")
    major = _major(docker_engine)
    subnet = run.subnet("engine-differences")
    network = docker_engine.networks.create(
        run.name("routing-probe"),
        driver="bridge",
        labels=run.labels,
        ipam=docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet=str(subnet))]),
    )
    container_id = ""
    try:
        address = str(subnet.network_address + 10)
        created = docker_engine.api.create_container(
            TOMCAT,
            name=run.name("routing-probe"),
            labels=run.labels,
            networking_config=docker_engine.api.create_networking_config(
                {network.name: docker_engine.api.create_endpoint_config(ipv4_address=address)}
            ),
        )
        container_id = created["Id"]
        docker_engine.api.start(container_id)
        bridge = f"br-{network.id[:12]}"
        guard = f"-A PREROUTING -d {address}/32 ! -i {bridge} -j DROP"
        rules = _raw_prerouting_rules()
        if major >= DIRECT_ROUTING_BLOCKED:
            assert guard in rules, f"Docker {major} has no direct-routing guard for {address}: {rules}"
        else:
            assert guard not in rules, f"Docker {major} guards {address} (expected only from 28): {rules}"
    finally:
        if container_id:
            docker_engine.api.remove_container(container_id, force=True)
        network.remove()
