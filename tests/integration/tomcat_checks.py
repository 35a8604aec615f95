"""Observations the Tomcat scenario tests make on a real engine, the way the tutorial's reader does.

Traffic goes only to loopback and to the containers and networks the tests created.
"""

import ipaddress
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from pulumi import automation as auto

from harness.isolation import RunIsolation
from tests.integration import engine

TOMCAT_PORT = 8080
TOMCAT_START_SECONDS = 120
SYS_NET = Path("/sys/class/net")


@dataclass(frozen=True)
class Mynet:
    """The mynet stack in this run: the engine names, and the run's subnet with the addresses the tests
    fix on it at the tutorial's offsets (gateway .1, tomcat-net-02 .22, tomcat01 once connected .100)."""

    run: RunIsolation
    stack: str = "mynet"

    @property
    def subnet(self) -> ipaddress.IPv4Network:
        return self.run.subnet(self.stack)  # what the run gives the stack (RunIsolation.stack_config)

    def address(self, offset: int) -> str:
        return str(self.subnet.network_address + offset)

    @property
    def gateway(self) -> str:
        return self.address(1)

    @property
    def tomcat_net_02_ip(self) -> str:
        return self.address(22)

    @property
    def tomcat01_ip(self) -> str:
        return self.address(100)

    @property
    def network(self) -> str:
        return self.run.name("mynet")

    def name(self, container: str) -> str:
        return self.run.name(container)

    def settings(self, connect: bool) -> Dict[str, Any]:
        """The stack's `mynet` setting; tomcat01's static IP only with the connection it belongs to."""
        static_ips = {"tomcat-net-02": self.tomcat_net_02_ip, **({"tomcat01": self.tomcat01_ip} if connect else {})}
        return {
            "network": {"name": "mynet", "subnet": str(self.subnet), "gateway": self.gateway},
            "connectTomcat01": connect,
            "staticIps": static_ips,
        }


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


def run_in(container: str, *cmd: str) -> Tuple[int, str]:
    return engine.exec_in(container, *cmd)


def resolve(container: str, name: str) -> Optional[str]:
    """The address `name` resolves to inside `container` (hosts file, then the engine's DNS), or None."""
    code, output = run_in(container, "getent", "hosts", name)
    return output.split()[0] if code == 0 and output.strip() else None


def ping(container: str, target: str) -> Tuple[int, str]:
    """One ping from inside `container` to a container of ours, by name or IP (2 s at most)."""
    return run_in(container, "ping", "-c", "1", "-W", "2", target)


def ipv4_interfaces(container: str) -> Dict[str, str]:
    """{interface: IPv4} inside the container, loopback left out (`ip -o -4 addr`)."""
    code, output = run_in(container, "ip", "-o", "-4", "addr", "show")
    assert code == 0, output
    found = {}
    for line in output.splitlines():
        fields = line.split()
        if fields[1] != "lo":
            found[fields[1].split("@")[0]] = fields[3].split("/")[0]
    return found


def host_interface(ifindex: int) -> Path:
    """This machine's interface of that index, in sysfs. Other tests run beside this one: their veths come
    and go while we look, and one gone in between is not an error."""
    for interface in SYS_NET.iterdir():
        try:
            if int((interface / "ifindex").read_text()) == ifindex:
                return interface
        except OSError:
            continue
    raise AssertionError(f"no host interface has ifindex {ifindex}")


def host_side_of_veth(container: str) -> Tuple[str, str]:
    """(host interface, its bridge) paired with the container's eth0: the veth pair's other end."""
    code, output = run_in(container, "cat", "/sys/class/net/eth0/iflink")
    assert code == 0, output
    interface = host_interface(int(output.strip()))
    master = interface / "master"
    return interface.name, (master.resolve().name if master.exists() else "")


def wait_for_tcp(address: str, port: int, timeout: float = TOMCAT_START_SECONDS) -> None:
    """Connect to address:port, retrying while Tomcat starts; bounded in time."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((address, port), timeout=2):
                return
        except OSError as error:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"nothing accepted a connection on {address}:{port} within {timeout:.0f}s: {error}"
                ) from error
            time.sleep(1)


FIRST_ANSWER_SECONDS = 60


def http_status_line(port: int) -> str:
    """The first line Tomcat answers on a published loopback port."""
    wait_for_tcp("127.0.0.1", port)
    # Tomcat's first answer waits for its webapps to deploy, which on a busy 2-core machine (parallel test
    # workers) has taken more than 10 s: a bound on the wait, not a measure of speed.
    with socket.create_connection(("127.0.0.1", port), timeout=FIRST_ANSWER_SECONDS) as connection:
        connection.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        return connection.recv(1024).decode(errors="replace").splitlines()[0]


def published_port(summary: Dict[str, Any]) -> int:
    """The host port from an output such as '127.0.0.1:49153->8080/tcp'."""
    [mapping] = summary["ports"]
    return int(mapping.split("->")[0].rsplit(":", 1)[1])


def destroy_and_list_leftovers(stack: auto.Stack, prefix: str) -> Dict[str, List[str]]:
    """`pulumi destroy`, then what this run (`prefix`) still has of the stack on the engine, by kind."""
    stack.destroy(on_output=print)
    return {kind: engine.labelled(kind, stack.name, prefix) for kind in engine.KINDS}
