"""The network modes on a real engine: what a reader sees from the engine, inside each container and on the host.

The stack goes up once for the module, with the run's prefix and a host port of the run's. The facts come first;
then, in file order (pytest keeps it), what happens to tomcat-container when tomcat-reference is restarted or
removed outside Pulumi, replaced by Pulumi, and destroyed. Traffic goes only to loopback and to these containers.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Set, Tuple

import pytest
from pulumi import automation as auto

from components.labels import NAME_PREFIX_LABEL, STACK_LABEL
from harness.isolation import RunIsolation
from harness.project_copy import LOCAL_IMAGES, REPO_ROOT
from topology.answers import INTERFACES_SCRIPT, parse_interfaces
from topology.render import container_id, read_back

from .tomcat_checks import (
    SYS_NET,
    TOMCAT_PORT,
    changes_only,
    deploy,
    destroy_and_list_leftovers,
    host_side_of_veth,
    http_status_line,
    preview_ops,
    run_in,
)

pytestmark = pytest.mark.integration

STACK = "modes"
REFERENCE, BRIDGE, NONE, HOST, JOINER = (
    "tomcat-reference",
    "tomcat-bridge",
    "tomcat-none",
    "tomcat-host",
    "tomcat-container",
)
JOINER_PORT = TOMCAT_PORT + 1
CONTAINER_URN = f"urn:pulumi:{STACK}::docker-networking::docker:index/container:Container::"
WAIT_SECONDS = 120


@dataclass(frozen=True)
class Modes:
    run: RunIsolation

    def name(self, container: str) -> str:
        return self.run.name(container)

    @property
    def host_port(self) -> int:
        return self.run.port_base("modes-host", 1) + 1  # free, below the ephemeral range, the run's own

    @property
    def settings(self) -> Dict[str, Any]:
        return {"modes": {"hostPort": self.host_port, "containerJoins": REFERENCE}}


# --- what a reader looks at ----------------------------------------------------------------------------


def sh(container: str, script: str) -> str:
    code, output = run_in(container, "sh", "-c", script)
    assert code == 0, f"{container}: {script}: {output}"
    return output


def links(container: str) -> Dict[str, Tuple[int, int, str]]:
    """{interface: (ifindex, iflink, MAC)} inside the container, from /sys/class/net (`ip link`'s numbers)."""
    return {e.name: (e.ifindex, e.iflink, e.mac) for e in parse_interfaces(sh(container, INTERFACES_SCRIPT))}


def host_links() -> Dict[str, Tuple[int, int, str]]:
    """The same, for this machine's interfaces."""
    found = {}
    for interface in SYS_NET.iterdir():
        try:
            index, peer = (int((interface / key).read_text()) for key in ("ifindex", "iflink"))
            found[interface.name] = (index, peer, (interface / "address").read_text().strip())
        except OSError:
            continue  # another test's veth, gone while we looked
    return found


def addresses(container: str) -> Set[str]:
    """'interface address/prefix' for every address inside the container (`ip -o addr`)."""
    return {" ".join(line.split()[1:4:2]) for line in sh(container, "ip -o addr show").splitlines()}


def netns(container: str) -> str:
    return sh(container, "readlink /proc/self/ns/net").strip()


def http_inside(container: str, url: str) -> str:
    """The HTTP status `curl` gets inside the container ("000": no answer), retrying while Tomcat starts. A loop
    of its own: curl's --retry-connrefused gives up at once when localhost's ::1 cannot be used (no IPv6 here)."""
    return sh(
        container,
        f"for i in $(seq {WAIT_SECONDS // 2}); do "
        f"code=$(curl -s -o /dev/null -w '%{{http_code}}' --max-time 5 {url}) && break; sleep 2; "
        'done; echo "$code"',
    ).strip()


def listeners(container: str) -> Set[str]:
    return {line.split()[3] for line in sh(container, "ss -ltnH").splitlines()}


def engine_networks(docker_client: Any, name: str) -> Dict[str, Any]:
    return docker_client.api.inspect_container(name)["NetworkSettings"]["Networks"]


def on_docker0(docker_client: Any) -> Dict[str, Dict[str, Any]]:
    """`docker network inspect bridge`: the containers with an endpoint on docker0, by id."""
    return docker_client.api.inspect_network("bridge")["Containers"] or {}


def preview_warnings(stack: auto.Stack) -> List[str]:
    warnings: List[str] = []

    def record(event: auto.EngineEvent) -> None:
        diagnostic = event.diagnostic_event
        if diagnostic is not None and diagnostic.severity == "warning":
            warnings.append(diagnostic.message)

    stack.preview(on_event=record, on_output=print)
    return warnings


def engine_events(docker_client: Any, run: RunIsolation, since: int) -> List[Tuple[str, str]]:
    """(action, container name) of this run's modes containers since `since`, in the engine's order."""
    events = docker_client.events(
        since=since,
        until=int(time.time()) + 1,
        decode=True,
        filters={"type": "container", "label": [f"{NAME_PREFIX_LABEL}={run.prefix}", f"{STACK_LABEL}={STACK}"]},
    )
    return [(e["Action"], e["Actor"]["Attributes"]["name"]) for e in events]


def first(events: List[Tuple[str, str]], action: str, name: str) -> int:
    return events.index((action, name))


def assert_joiner_shares(modes: Modes, joined: str) -> None:
    """tomcat-container sees exactly the interfaces, addresses and MACs of `joined`: one namespace."""
    joiner = modes.name(JOINER)
    assert netns(joiner) == netns(modes.name(joined))
    assert links(joiner) == links(modes.name(joined))
    assert addresses(joiner) == addresses(modes.name(joined))


@pytest.fixture(scope="module")
def modes(run: RunIsolation) -> Modes:
    return Modes(run)


@pytest.fixture(scope="module")
def deployed(project: Any, modes: Modes) -> Any:
    stack, outputs = deploy(project, STACK, modes.settings)
    # Every Tomcat answers before the facts are read (five JVMs start at once on a small machine).
    assert http_inside(modes.name(JOINER), f"http://localhost:{TOMCAT_PORT}/") == "200"
    assert http_inside(modes.name(REFERENCE), f"http://localhost:{JOINER_PORT}/") == "200"
    yield stack, outputs
    stack.destroy(on_output=print)


# --- none ----------------------------------------------------------------------------------------------


def test_none_has_only_lo_and_no_route_out(deployed, modes, docker_client):
    name = modes.name(NONE)
    assert list(links(name)) == ["lo"]
    assert {a.split()[0] for a in addresses(name)} == {"lo"}
    assert sh(name, "ip route show").strip() == ""
    code, said = run_in(name, "ip", "route", "get", "10.255.255.1")  # a route lookup: nothing is sent
    assert code != 0 and "Network is unreachable" in said
    # Tomcat runs, on the container's own lo: reachable from inside only.
    assert http_inside(name, f"http://127.0.0.1:{TOMCAT_PORT}/") == "200"
    networks = engine_networks(docker_client, name)
    assert list(networks) == ["none"]
    endpoint = networks["none"]
    assert (endpoint["IPAddress"], endpoint["MacAddress"]) == ("", "")
    _, outputs = deployed
    assert (outputs["containers"][NONE]["mode"], outputs["containers"][NONE]["ips"]) == ("none", [])


# --- host ----------------------------------------------------------------------------------------------


def test_host_has_the_hosts_interfaces_and_addresses_and_no_veth_pair_of_its_own(deployed, modes, docker_client):
    name = modes.name(HOST)
    assert netns(name) == os.readlink("/proc/self/ns/net")  # the test runs in the engine's host namespace
    before, inside, after = host_links(), links(name), host_links()
    stable = {n: v for n, v in before.items() if after.get(n) == v}  # others' veths come and go meanwhile
    assert set(inside) <= set(before) | set(after)
    assert {n: inside[n] for n in stable if n in inside} == stable
    assert "docker0" in inside and inside["lo"] == stable["lo"]
    # The host's addresses, docker0's gateway among them (others' veths and bridges left out: they change).
    shown = subprocess.run(["ip", "-o", "addr", "show"], capture_output=True, text=True, check=True).stdout
    host_side = {" ".join(line.split()[1:4:2]) for line in shown.splitlines()}
    steady = {a for a in host_side if not a.startswith(("veth", "br-"))}
    assert steady <= addresses(name)
    gateway = docker_client.api.inspect_network("bridge")["IPAM"]["Config"][0].get("Gateway") or "172.17.0.1"
    assert any(a.startswith(f"docker0 {gateway}/") for a in addresses(name))
    # The engine made it no endpoint with an address or MAC, and no veth: nothing on docker0.
    endpoint = engine_networks(docker_client, name)["host"]
    assert (endpoint["IPAddress"], endpoint["MacAddress"]) == ("", "")
    assert docker_client.api.inspect_container(name)["Id"] not in on_docker0(docker_client)


def test_host_answers_on_the_hosts_loopback_without_publishing(deployed, modes, docker_client):
    attrs = docker_client.api.inspect_container(modes.name(HOST))
    assert attrs["HostConfig"]["NetworkMode"] == "host"
    assert not attrs["HostConfig"].get("PortBindings") and not attrs["NetworkSettings"].get("Ports")
    assert http_status_line(modes.host_port).startswith("HTTP/1.1 200")
    # Loopback only, as the stack says (Java shows its IPv4 socket in IPv6 form).
    on_port = {a for a in listeners(modes.name(HOST)) if a.endswith(f":{modes.host_port}")}
    assert on_port and on_port <= {f"127.0.0.1:{modes.host_port}", f"[::ffff:127.0.0.1]:{modes.host_port}"}
    _, outputs = deployed
    host = outputs["containers"][HOST]
    assert (host["mode"], host["ports"], host["url"]) == ("host", [], f"http://127.0.0.1:{modes.host_port}/")


# --- container -----------------------------------------------------------------------------------------


def test_container_has_exactly_the_interfaces_ip_and_mac_of_the_container_it_joins(deployed, modes, docker_client):
    joiner, reference = modes.name(JOINER), modes.name(REFERENCE)
    assert_joiner_shares(modes, REFERENCE)
    reference_attrs = docker_client.api.inspect_container(reference)
    endpoint = reference_attrs["NetworkSettings"]["Networks"]["bridge"]
    eth0 = links(joiner)["eth0"]
    assert eth0[2] == endpoint["MacAddress"]
    assert f"eth0 {endpoint['IPAddress']}/{endpoint['IPPrefixLen']}" in addresses(joiner)
    attrs = docker_client.api.inspect_container(joiner)
    assert attrs["HostConfig"]["NetworkMode"] == f"container:{reference_attrs['Id']}"
    assert attrs["NetworkSettings"]["Networks"] == {}
    # The veth pair is the reference's: its host end hangs on docker0 and is the joiner's eth0's peer too.
    assert host_side_of_veth(joiner) == host_side_of_veth(reference)
    _, outputs = deployed
    assert outputs["containers"][JOINER]["joins"]["ips"] == [endpoint["IPAddress"]]
    assert outputs["containers"][JOINER]["interfaces"] == {}


def test_container_has_no_ip_of_its_own_on_docker0(deployed, modes, docker_client):
    members = on_docker0(docker_client)
    reference_id = docker_client.api.inspect_container(modes.name(REFERENCE))["Id"]
    joiner_id = docker_client.api.inspect_container(modes.name(JOINER))["Id"]
    assert reference_id in members and joiner_id not in members
    assert members[reference_id]["Name"] == modes.name(REFERENCE)


def test_container_reaches_the_joined_containers_service_on_localhost_and_shares_its_ports(deployed, modes):
    joiner, reference = modes.name(JOINER), modes.name(REFERENCE)
    # 8080 here is tomcat-reference's Tomcat: tomcat-container's own listens on 8081 of the same stack.
    assert http_inside(joiner, f"http://localhost:{TOMCAT_PORT}/") == "200"
    assert http_inside(reference, f"http://localhost:{JOINER_PORT}/") == "200"
    shared = listeners(joiner)
    assert shared == listeners(reference)
    # Every address of the namespace: 0.0.0.0 where the engine turned IPv6 off (20.10), * (IPv4 and IPv6)
    # where it keeps ::1 on lo (29).
    assert {f"0.0.0.0:{JOINER_PORT}", f"*:{JOINER_PORT}"} & shared, shared
    assert any(address.endswith(f":{TOMCAT_PORT}") for address in shared), shared


# --- bridge, for contrast ------------------------------------------------------------------------------


def test_bridge_has_its_own_namespace_veth_pair_and_address_on_docker0(deployed, modes, docker_client):
    name = modes.name(BRIDGE)
    assert netns(name) not in (os.readlink("/proc/self/ns/net"), netns(modes.name(REFERENCE)))
    assert sorted(links(name)) == ["eth0", "lo"]
    veth, bridge = host_side_of_veth(name)
    assert veth.startswith("veth") and bridge == "docker0"
    endpoint = engine_networks(docker_client, name)["bridge"]
    assert links(name)["eth0"][2] == endpoint["MacAddress"]
    assert sh(name, "ip route show").startswith(f"default via {endpoint['Gateway']} dev eth0")
    attrs = docker_client.api.inspect_container(name)
    assert on_docker0(docker_client)[attrs["Id"]]["IPv4Address"] == f"{endpoint['IPAddress']}/{endpoint['IPPrefixLen']}"
    [binding] = attrs["NetworkSettings"]["Ports"][f"{TOMCAT_PORT}/tcp"]
    assert binding["HostIp"] == "127.0.0.1"
    assert http_status_line(int(binding["HostPort"])).startswith("HTTP/1.1 200")
    _, outputs = deployed
    assert outputs["containers"][BRIDGE]["ips"] == [endpoint["IPAddress"]]


# --- the picture ---------------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_make_topology_draws_each_mode(deployed, modes, tmp_path):
    shown = subprocess.run(
        [
            sys.executable,
            "-m",
            "topology",
            STACK,
            "--name-prefix",
            modes.run.prefix,
            "--out",
            str(tmp_path),
            "--formats",
            "svg",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shown.returncode == 0, shown.stderr
    groups = read_back((tmp_path / f"{modes.run.prefix}{STACK}.svg").read_bytes())
    reference, joiner = modes.name(REFERENCE), modes.name(JOINER)
    assert "network mode none" in groups[container_id(modes.name(NONE))]
    assert "network mode host" in groups[container_id(modes.name(HOST))]
    assert f"network mode container:{reference}" in groups[container_id(joiner)]
    assert f"namespace/{joiner}/{reference}" in groups
    for name in (BRIDGE, REFERENCE):  # each with its eth0 and its veth pair to docker0
        assert f"veth-pair/{modes.name(name)}/eth0" in groups


# --- the joined container's life -------------------------------------------------------------------------


def test_a_preview_right_after_up_shows_no_changes_and_no_warning(deployed):
    stack, _ = deployed
    summary, _ = preview_ops(stack)
    assert changes_only(summary) == {}
    assert preview_warnings(stack) == []


def test_a_reference_restarted_outside_pulumi_strands_the_joiner_and_the_preview_says_how_to_fix_it(
    deployed, modes, docker_client
):
    stack, _ = deployed
    joiner = modes.name(JOINER)
    docker_client.containers.get(modes.name(REFERENCE)).restart(timeout=0)
    assert list(links(joiner)) == ["lo"]  # the old namespace: the engine removed its eth0 with the old sandbox
    [warning] = [w for w in preview_warnings(stack) if joiner in w]
    assert f"Fix: docker restart {joiner}" in warning
    docker_client.containers.get(joiner).restart(timeout=0)
    assert_joiner_shares(modes, REFERENCE)
    assert preview_warnings(stack) == []


def test_replacing_the_reference_replaces_the_joiner_first_and_it_joins_the_new_namespace(
    deployed, modes, docker_client, run
):
    stack, _ = deployed
    old_reference = docker_client.api.inspect_container(modes.name(REFERENCE))["Id"]
    old_joiner = docker_client.api.inspect_container(modes.name(JOINER))["Id"]
    summary, _ = preview_ops(stack, replace=[CONTAINER_URN + REFERENCE])
    assert changes_only(summary) == {"replace": 2}  # the reference, and the joiner with it
    since = int(time.time())
    stack.up(on_output=print, replace=[CONTAINER_URN + REFERENCE])
    events = engine_events(docker_client, run, since)
    reference, joiner = modes.name(REFERENCE), modes.name(JOINER)
    # The joiner never outlives the namespace it joins, and joins the new one once it exists.
    assert first(events, "destroy", joiner) < first(events, "destroy", reference)
    assert first(events, "start", reference) < first(events, "create", joiner)
    new_reference = docker_client.api.inspect_container(reference)["Id"]
    attrs = docker_client.api.inspect_container(joiner)
    assert new_reference != old_reference and attrs["Id"] != old_joiner
    assert attrs["HostConfig"]["NetworkMode"] == f"container:{new_reference}"
    assert_joiner_shares(modes, REFERENCE)


def test_a_reference_removed_outside_pulumi_comes_back_with_up_refresh_and_the_joiner_follows(
    deployed, modes, docker_client
):
    stack, _ = deployed
    joiner = modes.name(JOINER)
    docker_client.api.remove_container(modes.name(REFERENCE), force=True)
    assert list(links(joiner)) == ["lo"]
    [warning] = [w for w in preview_warnings(stack) if joiner in w]
    assert "no longer exists" in warning and "Fix: pulumi up --refresh" in warning
    stack.up(on_output=print, refresh=True)
    reference_id = docker_client.api.inspect_container(modes.name(REFERENCE))["Id"]
    assert docker_client.api.inspect_container(joiner)["HostConfig"]["NetworkMode"] == f"container:{reference_id}"
    assert_joiner_shares(modes, REFERENCE)
    assert preview_warnings(stack) == []


def test_destroy_removes_the_joiner_before_its_namespace_and_leaves_nothing(deployed, modes, docker_client, run):
    stack, _ = deployed
    since = int(time.time())
    leftovers = destroy_and_list_leftovers(stack, run.prefix)
    assert leftovers == {"containers": [], "networks": [], "volumes": []}
    events = engine_events(docker_client, run, since)
    assert first(events, "destroy", modes.name(JOINER)) < first(events, "destroy", modes.name(REFERENCE))
    assert docker_client.images.get(LOCAL_IMAGES["tomcatImage"])  # kept, as keepImages says


# --- bad input: stopped at preview, nothing created ----------------------------------------------------


@pytest.fixture
def listener_on_a_run_port(run: RunIsolation):
    port = run.port_base("modes-taken", 1) + 1
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", port))
        listener.listen()
        yield port


def preview_error(project: Any, config: Dict[str, Any]) -> str:
    stack = project.stack("modes-bad", {"scenario": "modes", **config})
    with pytest.raises(auto.errors.CommandError) as raised:
        stack.preview(on_output=print)
    return str(raised.value)


def test_a_host_port_in_use_stops_the_preview_naming_the_setting(project, listener_on_a_run_port, run):
    said = preview_error(project, {"modes": {"hostPort": listener_on_a_run_port}})
    assert (
        f"invalid setting 'docker-networking:modes.hostPort': port {listener_on_a_run_port} on 127.0.0.1 "
        "of this machine is already in use"
    ) in said
    assert destroy_and_list_leftovers(project.stacks["modes-bad"], run.prefix)["containers"] == []


def test_joining_a_container_the_stack_does_not_define_stops_the_preview_naming_the_setting(project, modes, run):
    said = preview_error(project, {"modes": {"hostPort": modes.host_port, "containerJoins": "tomcat01"}})
    assert "invalid setting 'docker-networking:modes.containerJoins': 'tomcat01' is not a container this stack" in said
    assert destroy_and_list_leftovers(project.stacks["modes-bad"], run.prefix)["containers"] == []
