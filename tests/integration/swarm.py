"""The local Swarm the overlay and swarm stacks' tests deploy on (scripts/swarm/swarm.sh): started when it
is not up, its nodes' engines by hostname, and small helpers over docker-py for each node."""

import os
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Dict, Iterator, List, Optional, Tuple, TypeVar, Union

import docker
from docker.models.containers import Container

from components.labels import NAME_PREFIX_LABEL
from tests.conftest import REPO_ROOT, skip_or_fail

SCRIPT = REPO_ROOT / "scripts" / "swarm" / "swarm.sh"
T = TypeVar("T")


def _env_lines(text: str) -> Dict[str, str]:
    found = {}
    for line in text.splitlines():
        if line.startswith("export ") and "=" in line:
            key, value = line[len("export ") :].split("=", 1)
            found[key] = value.strip('"')
    return found


def _pairs(value: str) -> Dict[str, str]:
    return dict(item.split("=", 1) for item in value.split(",") if item)


@dataclass(frozen=True)
class LocalSwarm:
    manager_host: str  # DOCKER_HOST of the manager
    hosts: Dict[str, str]  # node hostname -> engine address
    addresses: Dict[str, str]  # node hostname -> its address on the Swarm's bridge

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

    def stop_node(self, node: str) -> None:
        _script("stop-node", node[-1])

    def start_node(self, node: str) -> None:
        _script("start-node", node[-1])


def _script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True)


def ensure_swarm() -> LocalSwarm:
    """The Swarm, started (scripts/swarm/swarm.sh up: root) when any node is not active."""
    # Inside Docker 29's namespace (make test ENGINE=29) the Swarm's bridge is out of reach; its engines
    # are Docker 29.8.1 already, so these tests belong to the machine's run.
    assert not os.environ.get("DOCKER29_NETNS"), (
        "the Swarm tests run from the machine's network namespace, not inside docker29.sh run: leave them out "
        "of `make test ENGINE=29` (--ignore tests/integration/test_overlay.py --ignore "
        "tests/integration/test_swarm_redis.py); their Swarm runs Docker 29.8.1 already"
    )
    if _script("status").returncode != 0:
        if os.geteuid() != 0:
            skip_or_fail(f"the local Swarm is not up and starting it needs root: sudo {SCRIPT} up")
        started = subprocess.run([str(SCRIPT), "up"], capture_output=True, text=True)
        assert started.returncode == 0, f"{SCRIPT} up failed:\n{started.stderr[-3000:]}"
    env = _env_lines(_script("env").stdout)
    return LocalSwarm(
        manager_host=env["DOCKER_HOST"],
        hosts=_pairs(env["DOCKER_NETWORKING_SWARM_HOSTS"]),
        addresses=_pairs(env["DOCKER_NETWORKING_SWARM_ADDRESSES"]),
    )


def exec_in(container: Container, *cmd: str) -> Tuple[int, str]:
    result = container.exec_run(list(cmd))
    assert result.exit_code is not None and isinstance(result.output, bytes)
    return result.exit_code, result.output.decode(errors="replace")


def resolve(container: Container, name: str) -> Optional[str]:
    code, output = exec_in(container, "getent", "hosts", name)
    return output.split()[0] if code == 0 and output.strip() else None


def http_status(container: Container, url: str) -> str:
    """The HTTP status `curl` inside `container` gets from `url` ("000" when nothing answers)."""
    _, output = exec_in(container, "curl", "-s", "-o", "/dev/null", "-m", "5", "-w", "%{http_code}", url)
    return output.strip()


def wait_for(what: str, probe: Callable[[], Optional[T]], timeout: float = 120, interval: float = 1) -> T:
    """`probe`'s first truthy answer within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        assert time.monotonic() < deadline, f"{what}: not within {timeout:.0f} s"
        time.sleep(interval)


def labelled_objects(client: docker.DockerClient, prefix: str) -> List[str]:
    """What carries the run's prefix label on one engine: containers, networks, volumes, and on the
    manager services, configs and secrets."""
    label: Dict[str, Union[str, List[str], bool]] = {"label": f"{NAME_PREFIX_LABEL}={prefix}"}
    found = [f"container:{c.name}" for c in client.containers.list(all=True, filters=label)]
    found += [f"network:{n.name}" for n in client.networks.list(filters=label)]
    found += [f"volume:{v.name}" for v in client.volumes.list(filters=label)]
    if client.info()["Swarm"].get("ControlAvailable"):
        found += [f"service:{s.name}" for s in client.services.list(filters=label)]
        found += [f"config:{c.name}" for c in client.configs.list(filters=label)]
        found += [f"secret:{s.name}" for s in client.secrets.list(filters=label)]
    return found
