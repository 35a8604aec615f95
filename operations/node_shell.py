"""Redis commands and files of a cluster's node containers, through the engine: `docker exec` of the
image's own redis-cli, and the engine's archive API for files. Works wherever the engine is (a local
socket, tcp://, ssh://), whether or not this host can route to the containers.
"""

import io
import tarfile
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

import docker
from docker.errors import DockerException, NotFound
from requests.exceptions import RequestException

from components.redis.model.cluster_args import CLIENT_PORT

from .errors import OperationError

# redis-cli answers an error reply with exit code 0 when not on a terminal: its first word tells, or its
# own complaints (a refused password, a connection lost).
ERROR_PREFIXES = ("ERR", "NOAUTH", "WRONGPASS", "LOADING", "CLUSTERDOWN", "MASTERDOWN", "BUSY", "NOPERM")
CLI_COMPLAINTS = ("AUTH failed", "Error:", "Could not connect")
EMPTY_ANSWER_ATTEMPTS = 5
EMPTY_ANSWER_PAUSE_SECONDS = 0.1


@dataclass
class NodeShell:
    name: str
    container: Any  # docker-py's Container
    password: Optional[str] = field(repr=False)

    def redis(self, *args: str) -> str:
        """One command through the node's redis-cli; OperationError if it fails or Redis answers an error.

        Every command the tools send has a non-empty answer; an empty one is an exec whose output the
        engine lost (seen on Docker 20.10 under load), so it is asked again."""
        for _ in range(EMPTY_ANSWER_ATTEMPTS):
            code, text = self._exec(args)
            if text or code != 0:
                break
            time.sleep(EMPTY_ANSWER_PAUSE_SECONDS)
        if code != 0 or not text or text.split(" ", 1)[0] in ERROR_PREFIXES or text.startswith(CLI_COMPLAINTS):
            raise OperationError(
                f"{self.name} answered `{' '.join(args[:2])}` with: {text or f'nothing, exit code {code}'}",
                "check the node (`make up --refresh` repairs a cluster; the password must be the stack's)",
            )
        return text

    def _exec(self, args: Sequence[str]) -> Tuple[int, str]:
        environment = {"REDISCLI_AUTH": self.password} if self.password else {}
        command = ["redis-cli", "--no-auth-warning", "-p", str(CLIENT_PORT), *args]
        try:
            code, output = self.container.exec_run(command, environment=environment)
        except (DockerException, RequestException) as error:
            raise OperationError(
                f"{self.name}: the engine could not run redis-cli ({error})", "check `docker ps`"
            ) from None
        return int(code if code is not None else -1), output.decode(errors="replace").strip()

    def read_file(self, path: str) -> bytes:
        """A regular file of the container, through the engine's archive API."""
        try:
            stream, _ = self.container.get_archive(path)
            archive = io.BytesIO(b"".join(stream))
        except (DockerException, RequestException) as error:
            raise OperationError(
                f"{self.name}: could not read {path} ({error})", "check the node's data volume"
            ) from None
        with tarfile.open(fileobj=archive) as tar:
            member = tar.next()
            extracted = tar.extractfile(member) if member is not None else None
            if extracted is None:
                raise OperationError(f"{self.name}: {path} is not a regular file", "check the node's data volume")
            return extracted.read()


def node_shells(client: docker.DockerClient, names: Sequence[str], password: Optional[str]) -> List[NodeShell]:
    shells, missing = [], []
    for name in names:
        try:
            shells.append(NodeShell(name, client.containers.get(name), password))
        except NotFound:
            missing.append(name)
    if missing:
        raise OperationError(
            f"the node containers {', '.join(missing)} are not on this engine",
            "point DOCKER_HOST at the engine the stack runs on; the tool reaches one engine, so a Swarm "
            "stack's nodes cannot be saved or restored with it",
        )
    return shells


def tar_of(files: Dict[str, bytes], mode: int = 0o600) -> bytes:
    """A tar archive of `files` (name -> content) for the engine's put_archive."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), mode
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
