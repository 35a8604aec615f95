"""Small helpers over docker-py for the integration tests."""

import os
import shutil
import signal
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import docker

from components.engine.docker_api import docker_client
from components.labels import NAME_PREFIX_LABEL, PROJECT_LABEL, PROJECT_VALUE, STACK_LABEL
from harness.isolation import carries_prefix


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


# --- Restarting the engine itself (only the test that says so in its name does this) ---------------
DOCKERD_PIDFILE = Path("/var/run/docker.pid")
DOCKERD_LOG = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "docker-networking-iac" / "dockerd.log"


def is_stack_container(labels: Optional[Dict[str, str]], stack: str, prefix: str) -> bool:
    return carries_prefix(labels, prefix) and (labels or {}).get(STACK_LABEL) == stack


def why_engine_cannot_restart(stack: str, prefix: str) -> Optional[str]:
    """None when this run may stop and start dockerd; else why not. Restarting stops every container on
    the engine, so it is only done when the engine runs nothing but the containers this run (`prefix`)
    deployed for `stack` (a person's stack of the same name is another's), and only for a dockerd
    started by hand the way scripts/engine.sh starts it (not one a service manager owns)."""
    if os.geteuid() != 0:
        return "starting dockerd needs root"
    if not DOCKERD_PIDFILE.exists() or shutil.which("dockerd") is None:
        return f"no dockerd pid file at {DOCKERD_PIDFILE}"
    if Path("/run/systemd/system").exists():
        return "dockerd belongs to systemd here; restart it with systemctl instead"
    pid = int(DOCKERD_PIDFILE.read_text().strip())
    socket = engine_socket()
    if socket is None or not serves(pid, socket):
        return (
            f"the dockerd in {DOCKERD_PIDFILE} (pid {pid}) is not the engine DOCKER_HOST names "
            f"({os.environ.get('DOCKER_HOST') or DEFAULT_SOCKET}); restarting it would stop another engine"
        )
    with client() as engine:
        others = [
            c["Names"][0].lstrip("/")
            for c in engine.api.containers()  # no inspect: no race
            if not is_stack_container(c.get("Labels"), stack, prefix)
        ]
    if others:
        return (
            f"other containers are running on this engine ({', '.join(sorted(others)[:5])}); a restart would stop them"
        )
    return None


DEFAULT_SOCKET = "unix:///var/run/docker.sock"


def engine_socket() -> Optional[str]:
    """The Unix socket path of the engine the tests use (DOCKER_HOST, else the default); None for tcp://."""
    host = os.environ.get("DOCKER_HOST") or DEFAULT_SOCKET
    return host[len("unix://") :] if host.startswith("unix://") else None


def serves(pid: int, socket_path: str) -> bool:
    """Whether process `pid` holds the listening Unix socket bound at `socket_path` (from /proc: the socket's
    inode in /proc/net/unix, among the process's open files)."""
    wanted = os.path.realpath(socket_path)
    inodes = set()
    for line in Path("/proc/net/unix").read_text().splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 8 and os.path.realpath(fields[7]) == wanted:
            inodes.add(fields[6])
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue  # closed meanwhile
        if target.startswith("socket:[") and target[len("socket:[") : -1] in inodes:
            return True
    return False


def engine_answers() -> bool:
    return subprocess.run(["docker", "info"], capture_output=True).returncode == 0


def restart_engine(timeout: float = 120.0) -> float:
    """Stop dockerd (SIGTERM: it stops the containers cleanly) and start it again as scripts/engine.sh does;
    returns the seconds until `docker info` answers again."""
    started = time.monotonic()
    pid = int(DOCKERD_PIDFILE.read_text().strip())
    os.kill(pid, signal.SIGTERM)
    while Path(f"/proc/{pid}").exists():
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"dockerd (pid {pid}) did not stop within {timeout:.0f}s")
        time.sleep(0.2)
    DOCKERD_LOG.parent.mkdir(parents=True, exist_ok=True)
    with open(DOCKERD_LOG, "ab") as log:
        # Its own session, like `setsid nohup dockerd`: the engine outlives this test run.
        subprocess.Popen(
            ["dockerd"], stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    while not engine_answers():
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"dockerd did not answer within {timeout:.0f}s (see {DOCKERD_LOG})")
        time.sleep(0.5)
    return time.monotonic() - started
