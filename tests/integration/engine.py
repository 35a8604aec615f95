"""Small helpers over docker-py for the integration tests."""
from contextlib import contextmanager
from typing import Iterator, List, Tuple

import docker

PROJECT_LABEL = "io.docker-networking.project=docker-networking"
STACK_LABEL = "io.docker-networking.stack"


@contextmanager
def client() -> Iterator[docker.DockerClient]:
    """A docker-py client, closed afterwards (DockerClient is no context manager itself)."""
    engine = docker.from_env()
    try:
        yield engine
    finally:
        engine.close()


def exec_in(container_name: str, *cmd: str) -> Tuple[int, str]:
    """Run a command inside a running container: (exit code, combined output)."""
    with client() as engine:
        result = engine.containers.get(container_name).exec_run(list(cmd), demux=False)
        return result.exit_code, (result.output or b"").decode(errors="replace")


def labelled(kind: str, stack: str) -> List[str]:
    """Names of the containers, networks or volumes that carry the project's label for `stack`."""
    filters = {"label": [PROJECT_LABEL, f"{STACK_LABEL}={stack}"]}
    with client() as engine:
        if kind == "containers":
            return [c.name for c in engine.containers.list(all=True, filters=filters)]
        if kind == "networks":
            return [n.name for n in engine.networks.list(filters=filters)]
        if kind == "volumes":
            return [v.name for v in engine.volumes.list(filters=filters)]
    raise ValueError(f"unknown kind {kind!r}: use containers, networks or volumes")


def all_project_objects() -> List[str]:
    """Everything on the engine that carries the project's label, as 'kind:name'."""
    filters = {"label": [PROJECT_LABEL]}
    with client() as engine:
        return ([f"container:{c.name}" for c in engine.containers.list(all=True, filters=filters)]
                + [f"network:{n.name}" for n in engine.networks.list(filters=filters)]
                + [f"volume:{v.name}" for v in engine.volumes.list(filters=filters)])
