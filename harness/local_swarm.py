"""The local three-engine Swarm (scripts/swarm/swarm.sh): whether it is up, starting it, its nodes'
engines and addresses by hostname, and stopping or starting one node's engine. Shared by the Swarm's
tests and `make soak STACK=swarm`."""

import os
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Dict, Iterator, Mapping, Optional, Tuple, TypeVar

import docker
from docker.models.containers import Container

from harness.project_copy import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "swarm" / "swarm.sh"
T = TypeVar("T")


class SwarmScriptError(RuntimeError):
    """swarm.sh failed; the message carries the end of what it printed."""


class SwarmUnavailable(RuntimeError):
    """The Swarm is not up and this process cannot start it, or cannot reach it from here."""


def env_lines(text: str) -> Dict[str, str]:
    """The `export KEY="value"` lines of `swarm.sh env`."""
    found = {}
    for line in text.splitlines():
        if line.startswith("export ") and "=" in line:
            key, value = line[len("export ") :].split("=", 1)
            found[key] = value.strip('"')
    return found


def pairs(value: str) -> Dict[str, str]:
    """`a=1,b=2` -> {a: 1, b: 2}."""
    return dict(item.split("=", 1) for item in value.split(",") if item)


def script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True)


def checked_script(*args: str) -> None:
    done = script(*args)
    if done.returncode != 0:
        raise SwarmScriptError(f"{SCRIPT} {' '.join(args)} failed:\n{done.stderr[-3000:]}")


def is_up() -> bool:
    """Every node's engine answers and is an active Swarm member."""
    return script("status").returncode == 0


def start() -> None:
    """`swarm.sh up` (root): idempotent, seconds when up."""
    checked_script("up")


def ensure_up() -> "LocalSwarm":
    """The Swarm, started (swarm.sh up) when any node is not active."""
    # Inside Docker 29's namespace (ENGINE=29) the Swarm's bridge is out of reach; its engines are
    # Docker 29.8.1 already.
    if os.environ.get("DOCKER29_NETNS"):
        raise SwarmUnavailable("the local Swarm is out of reach inside Docker 29's namespace: run without ENGINE=29")
    if not is_up():
        if os.geteuid() != 0:
            raise SwarmUnavailable(f"the local Swarm is not up and starting it needs root: sudo {SCRIPT} up")
        start()
    return LocalSwarm.described()


@dataclass(frozen=True)
class LocalSwarm:
    manager_host: str  # DOCKER_HOST of the manager
    hosts: Dict[str, str]  # node hostname -> engine address
    addresses: Dict[str, str]  # node hostname -> its address on the Swarm's bridge

    @classmethod
    def described(cls) -> "LocalSwarm":
        """The Swarm as `swarm.sh env` names it (it need not be up)."""
        env = env_lines(script("env").stdout)
        return cls(
            manager_host=env["DOCKER_HOST"],
            hosts=pairs(env["DOCKER_NETWORKING_SWARM_HOSTS"]),
            addresses=pairs(env["DOCKER_NETWORKING_SWARM_ADDRESSES"]),
        )

    @property
    def manager(self) -> str:
        return next(name for name, host in self.hosts.items() if host == self.manager_host)

    def client(self, node: str) -> docker.DockerClient:
        return docker.DockerClient(base_url=self.hosts[node])

    @contextmanager
    def engine(self, node: str) -> Iterator[docker.DockerClient]:
        """Node `node`'s engine, closed afterwards (DockerClient is no context manager itself)."""
        client = self.client(node)
        try:
            yield client
        finally:
            client.close()

    def task_of(self, service: str) -> Optional[Tuple[str, str]]:
        """(node hostname, container ID) of `service`'s running task, or None."""
        with self.engine(self.manager) as manager:
            hostnames = {node.id: node.attrs["Description"]["Hostname"] for node in manager.nodes.list()}
            for task in manager.services.get(service).tasks(filters={"desired-state": "running"}):
                status = task.get("Status") or {}
                if status.get("State") == "running":
                    return hostnames[task["NodeID"]], status["ContainerStatus"]["ContainerID"]
        return None

    def task_container(self, service: str, timeout: float = 120) -> Tuple[str, Container]:
        """The node and container of `service`'s running task, waiting for one up to `timeout` seconds."""
        node, container_id = wait_for(f"a running task of {service}", lambda: self.task_of(service), timeout)
        with self.engine(node) as client:
            return node, client.containers.get(container_id)

    def host_to_stop(self, masters: Mapping[str, str]) -> Tuple[str, str]:
        """(master, hostname): the first master by name whose host is not the manager, and that host: the
        lost host of the fault tests and the soak. `masters`: master -> the address it announces. The
        manager is the Swarm's only one; stopped, nothing could be scheduled or deployed until it is back."""
        workers = {address: hostname for hostname, address in self.addresses.items() if hostname != self.manager}
        for master in sorted(masters):
            if masters[master] in workers:
                return master, workers[masters[master]]
        raise RuntimeError(f"no master runs on a host other than the manager {self.manager}: nothing to stop")

    def stop_node(self, node: str) -> None:
        """The node's engine stopped (swarm.sh stop-node, root: it stops its tasks first); idempotent."""
        checked_script("stop-node", node[-1])

    def start_node(self, node: str) -> None:
        """The node's engine started again (root); idempotent."""
        checked_script("start-node", node[-1])


def wait_for(what: str, probe: Callable[[], Optional[T]], timeout: float = 120, interval: float = 1) -> T:
    """`probe`'s first truthy answer within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        assert time.monotonic() < deadline, f"{what}: not within {timeout:.0f} s"
        time.sleep(interval)
