"""Small helpers over docker-py for the integration tests."""

import os
from contextlib import contextmanager
from typing import Iterator, List, Optional, Tuple

import docker

from components.engine.docker_api import docker_client
from components.labels import NAME_PREFIX_LABEL, PROJECT_LABEL, PROJECT_VALUE, STACK_LABEL


@contextmanager
def client() -> Iterator[docker.DockerClient]:
    """A docker-py client, closed afterwards (DockerClient is no context manager itself)."""
    engine = docker_client()
    try:
        yield engine
    finally:
        engine.close()


def exec_in(container_name: str, *cmd: str) -> Tuple[int, str]:
    """Run a command inside a running container: (exit code, combined output)."""
    with client() as engine:
        result = engine.containers.get(container_name).exec_run(list(cmd), demux=False)
        output = result.output or b""
        # Neither detached nor streamed: the command has ended and its output comes whole, which docker's
        # types (exit code None for a detached exec, an iterator for a streamed one) do not tell apart.
        assert result.exit_code is not None, f"no exit code from {' '.join(cmd)} in {container_name}"
        assert isinstance(output, bytes), f"exec_run without stream= gave {type(output).__name__}"
        return result.exit_code, output.decode(errors="replace")


KINDS = ("containers", "networks", "volumes")


def run_filters(prefix: str, stack: Optional[str] = None) -> dict:
    """This run's objects (and of them `stack`'s); a person's stack of the same name has no prefix label."""
    found = [f"{PROJECT_LABEL}={PROJECT_VALUE}", f"{NAME_PREFIX_LABEL}={prefix}"]
    return {"label": found + ([f"{STACK_LABEL}={stack}"] if stack else [])}


def named(value: Optional[str]) -> str:
    """A listed object's name or id: docker's types allow none (an object without a `Name` or `Id`
    attribute); a full listing of containers or networks always has both."""
    assert value is not None, "an object listed without its name or id"
    return value


def _names(engine: docker.DockerClient, kind: str, filters: dict) -> List[str]:
    if kind == "containers":
        return [named(c.name) for c in engine.containers.list(all=True, filters=filters, ignore_removed=True)]
    if kind == "networks":
        return [named(n.name) for n in engine.networks.list(filters=filters)]
    if kind == "volumes":
        return [v.name for v in engine.volumes.list(filters=filters)]
    raise ValueError(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")


def labelled(kind: str, stack: str, prefix: str) -> List[str]:
    """Names of the containers, networks or volumes this run (`prefix`) deployed for `stack`."""
    with client() as engine:
        return _names(engine, kind, run_filters(prefix, stack))


def all_project_objects(prefix: str) -> List[str]:
    """Everything on the engine this run (`prefix`) labelled, of any stack, as 'kind:name'."""
    with client() as engine:
        return [f"{kind[:-1]}:{name}" for kind in KINDS for name in _names(engine, kind, run_filters(prefix))]


DEFAULT_SOCKET = "unix:///var/run/docker.sock"


def engine_socket() -> Optional[str]:
    """The Unix socket path of the engine the tests use (DOCKER_HOST, else the default); None for tcp://."""
    host = os.environ.get("DOCKER_HOST") or DEFAULT_SOCKET
    return host[len("unix://") :] if host.startswith("unix://") else None
