"""Observations the Tomcat scenario tests make on a real engine, the way the tutorial's reader does.

Traffic goes only to loopback and to the containers and networks the tests created.
"""
import socket
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from pulumi import automation as auto

from tests.integration import engine

TOMCAT_PORT = 8080
TOMCAT_START_SECONDS = 120
SYS_NET = Path("/sys/class/net")


def deploy(project: Any, name: str, config: Optional[Dict[str, Any]] = None) -> Tuple[auto.Stack, Dict[str, Any]]:
    """`pulumi up` of a shipped stack; returns the stack and its plain outputs."""
    stack = project.stack(name, config)
    result = stack.up(on_output=print)
    return stack, {key: value.value for key, value in result.outputs.items()}


def preview_ops(stack: auto.Stack, **kwargs: Any) -> Tuple[Dict[str, int], Dict[str, str]]:
    """`pulumi preview`: the change summary and each resource's planned operation, by URN."""
    ops: Dict[str, str] = {}

    def record(event: auto.EngineEvent) -> None:
        if event.resource_pre_event is not None:
            metadata = event.resource_pre_event.metadata
            ops[metadata.urn] = getattr(metadata.op, "value", str(metadata.op))

    result = stack.preview(on_event=record, on_output=print, **kwargs)
    summary = {getattr(op, "value", str(op)): count for op, count in result.change_summary.items()}
    return summary, ops


def changes_only(summary: Dict[str, int]) -> Dict[str, int]:
    return {op: count for op, count in summary.items() if op != "same" and count}


def ops_of(ops: Dict[str, str], urn_suffix: str) -> List[str]:
    return [op for urn, op in ops.items() if urn.endswith(urn_suffix)]


def run(container: str, *cmd: str) -> Tuple[int, str]:
    return engine.exec_in(container, *cmd)


def resolve(container: str, name: str) -> Optional[str]:
    """The address `name` resolves to inside `container` (hosts file, then the engine's DNS), or None."""
    code, output = run(container, "getent", "hosts", name)
    return output.split()[0] if code == 0 and output.strip() else None


def ping(container: str, target: str) -> Tuple[int, str]:
    """One ping from inside `container` to a container of ours, by name or IP (2 s at most)."""
    return run(container, "ping", "-c", "1", "-W", "2", target)


def ipv4_interfaces(container: str) -> Dict[str, str]:
    """{interface: IPv4} inside the container, loopback left out (`ip -o -4 addr`)."""
    code, output = run(container, "ip", "-o", "-4", "addr", "show")
    assert code == 0, output
    found = {}
    for line in output.splitlines():
        fields = line.split()
        if fields[1] != "lo":
            found[fields[1].split("@")[0]] = fields[3].split("/")[0]
    return found


def host_side_of_veth(container: str) -> Tuple[str, str]:
    """(host interface, its bridge) paired with the container's eth0: the veth pair's other end."""
    code, output = run(container, "cat", "/sys/class/net/eth0/iflink")
    assert code == 0, output
    peer_index = output.strip()
    for interface in SYS_NET.iterdir():
        if (interface / "ifindex").read_text().strip() == peer_index:
            master = interface / "master"
            return interface.name, (master.resolve().name if master.exists() else "")
    raise AssertionError(f"no host interface has ifindex {peer_index} (the peer of {container}'s eth0)")


def wait_for_tcp(address: str, port: int, timeout: float = TOMCAT_START_SECONDS) -> None:
    """Connect to address:port, retrying while Tomcat starts; bounded in time."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((address, port), timeout=2):
                return
        except OSError as error:
            if time.monotonic() > deadline:
                raise AssertionError(f"nothing accepted a connection on {address}:{port} "
                                     f"within {timeout:.0f}s: {error}") from error
            time.sleep(1)


def http_status_line(port: int) -> str:
    """The first line Tomcat answers on a published loopback port."""
    wait_for_tcp("127.0.0.1", port)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        return connection.recv(1024).decode(errors="replace").splitlines()[0]


def published_port(summary: Dict[str, Any]) -> int:
    """The host port from an output such as '127.0.0.1:49153->8080/tcp'."""
    [mapping] = summary["ports"]
    return int(mapping.split("->")[0].rsplit(":", 1)[1])


def destroy_and_list_leftovers(stack: auto.Stack, stack_name: str) -> Dict[str, List[str]]:
    stack.destroy(on_output=print)
    return {kind: engine.labelled(kind, stack_name) for kind in ("containers", "networks", "volumes")}
