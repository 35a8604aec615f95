"""`make topology` on the real stacks: each is deployed with the run's prefix, drawn by `python -m topology`
as a person would draw theirs, and the picture is read back for every fact of the tutorial: names,
addresses, each veth pair (matched by interface index on both sides), the one-way link, tomcat01's second
interface, the cluster's roles. The facts are read here independently of the topology package: from
docker inspect, from sysfs inside each container and on this host, and from the Redis nodes themselves.

One stack is up at a time (the Tomcat stacks share container names) and each is destroyed after its test.
"""

import os
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional

import pytest
import redis

from harness.project_copy import REPO_ROOT
from topology.render import read_back

from .tomcat_checks import deploy, host_interface, ipv4_interfaces, run_in

pytestmark = pytest.mark.integration


@contextmanager
def deployed(project: Any, stack: str, config: Optional[Dict[str, Any]] = None) -> Iterator[Dict[str, Any]]:
    """The stack up for one test, then destroyed; yields its outputs."""
    stack_obj, outputs = deploy(project, stack, config)
    try:
        yield outputs
    finally:
        stack_obj.destroy(on_output=print)


def draw(stack: str, prefix: str, out: Path, env: Optional[Mapping[str, str]] = None) -> Dict[str, List[str]]:
    """`python -m topology STACK --name-prefix PREFIX`, as `make topology` runs it; the SVG read back."""
    shown = subprocess.run(
        [sys.executable, "-m", "topology", stack, "--name-prefix", prefix, "--out", str(out)],
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shown.returncode == 0, shown.stderr
    svg, png = out / f"{prefix}{stack}.svg", out / f"{prefix}{stack}.png"
    assert shown.stdout.split() == [str(svg), str(png)]
    assert png.read_bytes().startswith(b"\x89PNG")
    return read_back(svg.read_bytes())


@dataclass(frozen=True)
class VethPair:
    """One container interface and its host end, read from sysfs on both sides."""

    interface: str
    ifindex: int
    peer_ifindex: int
    host_name: str
    host_bridge: str


def veth_pair(container: str, interface: str) -> VethPair:
    code, output = run_in(container, "cat", f"/sys/class/net/{interface}/ifindex", f"/sys/class/net/{interface}/iflink")
    assert code == 0, output
    ifindex, iflink = (int(value) for value in output.split())
    host_end = host_interface(iflink)
    master = host_end / "master"
    return VethPair(interface, ifindex, iflink, host_end.name, master.resolve().name if master.exists() else "")


def assert_container_drawn(picture: Dict[str, List[str]], docker_client: Any, name: str) -> Dict[str, VethPair]:
    """The container's box shows its name, and per network its interface as `ip link` names it, IP and MAC;
    its veth pairs lead to the host ends sysfs names, on the right bridges. Returns the pairs by network."""
    attrs = docker_client.api.inspect_container(name)
    texts = set(picture[f"container/{name}"])
    assert name in texts
    by_ip = {ip: interface for interface, ip in ipv4_interfaces(name).items()}
    pairs = {}
    for network, endpoint in attrs["NetworkSettings"]["Networks"].items():
        pair = veth_pair(name, by_ip[endpoint["IPAddress"]])
        assert {
            f"{endpoint['IPAddress']}/{endpoint['IPPrefixLen']}",
            endpoint["MacAddress"],
            f"{pair.ifindex}: {pair.interface}@if{pair.peer_ifindex}",
            f"network {network}",
        } <= texts
        assert picture[f"veth/{pair.peer_ifindex}"] == [f"{pair.peer_ifindex}: {pair.host_name}@if{pair.ifindex}"]
        assert f"veth-pair/{name}/{pair.interface}" in picture
        assert f"plugged/{pair.host_name}/{pair.host_bridge}" in picture
        pairs[network] = pair
    for port, bindings in attrs["NetworkSettings"]["Ports"].items():
        for binding in bindings or []:
            assert f"{binding['HostIp']}:{binding['HostPort']} -> {port}" in texts
    return pairs


def assert_bridge_drawn(
    picture: Dict[str, List[str]], docker_client: Any, network: str, device: str, gateway: str
) -> None:
    attrs = docker_client.api.inspect_network(network)
    subnet = attrs["IPAM"]["Config"][0]["Subnet"]
    assert {device, subnet, f"gateway {gateway}"} <= set(picture[f"bridge/{attrs['Name']}"])


def test_bridge_picture(project, run, docker_client, tmp_path):
    names = [run.name("tomcat01"), run.name("tomcat02")]
    with deployed(project, "bridge"):
        picture = draw("bridge", run.prefix, tmp_path)
        for name in names:
            pairs = assert_container_drawn(picture, docker_client, name)
            assert pairs["bridge"].host_bridge == "docker0"
        gateway = docker_client.api.inspect_container(names[0])["NetworkSettings"]["Networks"]["bridge"]["Gateway"]
        assert_bridge_drawn(picture, docker_client, "bridge", "docker0", gateway)
        assert not any(key.startswith(("link/", "replication/")) for key in picture)
    # Gone: a clear message, nothing written.
    shown = subprocess.run(
        [sys.executable, "-m", "topology", "bridge", "--name-prefix", run.prefix, "--out", str(tmp_path / "after")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert shown.returncode == 1
    assert f"stack 'bridge' with --name-prefix {run.prefix} is not deployed on this engine" in shown.stderr
    assert not (tmp_path / "after").exists()


def test_link_picture_has_the_one_way_hosts_entry(project, run, docker_client, tmp_path):
    tomcat02, tomcat03 = run.name("tomcat02"), run.name("tomcat03")
    with deployed(project, "link"):
        picture = draw("link", run.prefix, tmp_path)
        for name in (run.name("tomcat01"), tomcat02, tomcat03):
            assert_container_drawn(picture, docker_client, name)
        attrs = docker_client.api.inspect_container(tomcat02)
        ip = attrs["NetworkSettings"]["Networks"]["bridge"]["IPAddress"]
        assert picture[f"link/{tomcat03}/{tomcat02}"] == [f"/etc/hosts: {ip} {tomcat02} {attrs['Id'][:12]}"]
        assert f"link/{tomcat02}/{tomcat03}" not in picture


def test_mynet_picture_shows_tomcat01s_second_interface(project, run, docker_client, tmp_path):
    subnet = run.subnet("mynet")  # what the run gives the stack, with the tutorial's gateway at .1
    with deployed(project, "mynet"):
        picture = draw("mynet", run.prefix, tmp_path)
        network = docker_client.api.inspect_network(run.name("mynet"))
        device = f"br-{network['Id'][:12]}"
        assert_bridge_drawn(picture, docker_client, run.name("mynet"), device, str(subnet.network_address + 1))
        for name in (run.name("tomcat-net-01"), run.name("tomcat-net-02")):
            assert assert_container_drawn(picture, docker_client, name)[run.name("mynet")].host_bridge == device
        pairs = assert_container_drawn(picture, docker_client, run.name("tomcat01"))
        assert (pairs["bridge"].interface, pairs["bridge"].host_bridge) == ("eth0", "docker0")
        assert (pairs[run.name("mynet")].interface, pairs[run.name("mynet")].host_bridge) == ("eth1", device)


def own_cluster_nodes_line(port: int, password: str) -> str:
    """The node's own line of CLUSTER NODES, asked on its published loopback port."""
    client = redis.Redis(
        host="127.0.0.1",
        port=port,
        password=password,
        decode_responses=True,
        socket_timeout=5,
        socket_connect_timeout=2,
    )
    try:
        return next(line for line in client.execute_command("CLUSTER", "NODES").splitlines() if "myself" in line)
    finally:
        client.close()


def test_redis_picture_shows_roles_slots_and_each_replica_to_its_master(project, run, docker_client, tmp_path):
    with deployed(project, "redis") as outputs:
        password = outputs["password"]
        picture = draw("redis", run.prefix, tmp_path, env={"REDIS_PASSWORD": password})
        myself = {}
        for name in (run.name(f"redis-{i}") for i in range(1, 7)):
            [binding] = docker_client.api.inspect_container(name)["NetworkSettings"]["Ports"]["6379/tcp"]
            fields = own_cluster_nodes_line(int(binding["HostPort"]), password).split()
            myself[name] = (fields[0], "master" in fields[2], fields[3], fields[8:])
        name_of = {node_id: name for name, (node_id, *_rest) in myself.items()}
        replicas = 0
        for name, (_id, is_master, master_id, slots) in myself.items():
            assert_container_drawn(picture, docker_client, name)
            texts = picture[f"container/{name}"]
            if is_master:
                assert f"master · slots {', '.join(slots)}" in texts
            else:
                replicas += 1
                assert f"replica of {name_of[master_id]}" in texts
                assert f"replication/{name}/{name_of[master_id]}" in picture
        assert replicas == 3 and sum(key.startswith("replication/") for key in picture) == 3
