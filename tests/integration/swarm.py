"""The local Swarm the overlay and swarm stacks' tests deploy on (harness/local_swarm.py): started when it
is not up (or the test fails, skips only where a person allows it), and small helpers over docker-py."""

import os
from typing import Dict, List, Optional, Tuple, Union

import docker
from docker.models.containers import Container

from components.labels import NAME_PREFIX_LABEL
from harness import local_swarm
from harness.local_swarm import LocalSwarm, wait_for
from tests.conftest import skip_or_fail

__all__ = [
    "LocalSwarm",
    "ensure_swarm",
    "exec_in",
    "http_status",
    "labelled_objects",
    "left_after_destroy",
    "objects_labelled",
    "resolve",
    "wait_for",
]


def ensure_swarm() -> LocalSwarm:
    """The Swarm, started (scripts/swarm/swarm.sh up: root) when any node is not active."""
    # Inside Docker 29's namespace (make test ENGINE=29) the Swarm's bridge is out of reach; its engines
    # are Docker 29.8.1 already, so these tests belong to the machine's run.
    assert not os.environ.get("DOCKER29_NETNS"), (
        "the Swarm tests run from the machine's network namespace, not inside docker29.sh run: "
        "tests/conftest.py leaves them out of `make test ENGINE=29`; their Swarm runs Docker 29.8.1 already"
    )
    try:
        return local_swarm.ensure_up()
    except local_swarm.SwarmUnavailable as error:  # not root: a person may allow skipping
        skip_or_fail(str(error))
        raise
    except local_swarm.SwarmScriptError as error:
        raise AssertionError(str(error)) from error


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


def left_after_destroy(swarm: LocalSwarm, prefix: str) -> Dict[str, List[str]]:
    """What of the run is still on each node once the nodes had up to 60 s to remove the tasks of the
    destroyed services (they stop on their nodes seconds after the manager forgot them)."""

    def leftovers() -> Dict[str, List[str]]:
        found = {}
        for node in swarm.hosts:
            with swarm.engine(node) as client:
                found[node] = labelled_objects(client, prefix)
        return found

    try:
        wait_for("the nodes to remove the run's tasks", lambda: not any(leftovers().values()) or None, timeout=60)
    except AssertionError:
        pass  # the caller's assertion names what is left
    return leftovers()


def labelled_objects(client: docker.DockerClient, prefix: str) -> List[str]:
    """What carries the run's prefix label on one engine: containers, networks, volumes, and on the
    manager services, configs and secrets."""
    return objects_labelled(client, f"{NAME_PREFIX_LABEL}={prefix}")


def objects_labelled(client: docker.DockerClient, label_filter: str) -> List[str]:
    """What carries `label_filter` (key=value) on one engine, as labelled_objects."""
    label: Dict[str, Union[str, List[str], bool]] = {"label": label_filter}
    # ignore_removed: a task's container the node removes between the list and its inspect is gone, not an error.
    found = [f"container:{c.name}" for c in client.containers.list(all=True, filters=label, ignore_removed=True)]
    found += [f"network:{n.name}" for n in client.networks.list(filters=label)]
    found += [f"volume:{v.name}" for v in client.volumes.list(filters=label)]
    if client.info()["Swarm"].get("ControlAvailable"):
        found += [f"service:{s.name}" for s in client.services.list(filters=label)]
        found += [f"config:{c.name}" for c in client.configs.list(filters=label)]
        found += [f"secret:{s.name}" for s in client.secrets.list(filters=label)]
    return found
