"""docker-py's HTTP over the system's ssh client, for engines at ssh:// addresses.

docker-py can shell out to ssh itself (`use_ssh_client=True`), but its transport module imports
paramiko first and is left out without it (docker 7.2), and with paramiko installed every
`import docker` loads it and its cryptography (0.14 s here, paid by every program run). This is the
same transport as docker-py's shell-out and the docker CLI's: each HTTP connection is one
`ssh ... docker system dial-stdio` (endpoint.ssh_command), so ~/.ssh/config, ssh-agent and known_hosts
apply as they do for the docker CLI and pulumi-docker's provider. The ssh process talks to a socket
pair, so timeouts and closed connections behave as on a real socket.
"""

import socket
import subprocess
import tempfile
import weakref
from typing import IO, Any, List, Optional, Sequence

import requests
import urllib3.connection
import urllib3.connectionpool
from docker.transport.basehttpadapter import BaseHTTPAdapter

BASE_URL = "http+docker://ssh"  # as docker-py's own ssh transport: requests never looks for a proxy
STOP_SECONDS = 2.0


def _stop(process: "subprocess.Popen[bytes]") -> Optional[int]:
    """ssh's exit status: it ends by itself once its input is closed; terminated if it does not."""
    try:
        return process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.terminate()
        return process.wait()


def _kill(process: "subprocess.Popen[bytes]") -> None:
    if process.poll() is None:
        process.terminate()
        process.wait()


def _said(stderr: IO[bytes]) -> str:
    stderr.seek(0)
    lines = [line.strip() for line in stderr.read().decode(errors="replace").splitlines() if line.strip()]
    # ssh's own notices ("Warning: Permanently added ...") come before the failure.
    return "; ".join(line for line in lines if not line.startswith("Warning:")) or "no message"


class SshConnection(urllib3.connection.HTTPConnection):
    def __init__(self, command: Sequence[str], timeout: float, failures: List[str]) -> None:
        super().__init__("localhost", timeout=timeout)
        self._command = list(command)
        self._failures = failures
        self._process: Optional["subprocess.Popen[bytes]"] = None
        self._stderr: Optional[IO[bytes]] = None
        self._finalizer: Optional[weakref.finalize] = None

    def connect(self) -> None:
        ours, theirs = socket.socketpair()
        self._stderr = tempfile.TemporaryFile()
        try:
            self._process = subprocess.Popen(
                self._command,
                stdin=theirs.fileno(),
                stdout=theirs.fileno(),
                stderr=self._stderr,
                start_new_session=True,  # a Ctrl-C meant for Pulumi does not cut a request half-way
            )
        except OSError as error:
            ours.close()
            raise OSError(f"cannot run {self._command[0]} ({error.strerror}): install the OpenSSH client") from None
        finally:
            theirs.close()
        # A connection dropped without close() must not leave its ssh behind.
        self._finalizer = weakref.finalize(self, _kill, self._process)
        ours.settimeout(self.timeout if isinstance(self.timeout, (int, float)) else None)
        self.sock = ours

    def close(self) -> None:
        super().close()  # ssh reads the end of its input and exits
        process, stderr = self._process, self._stderr
        self._process = self._stderr = None
        if process is None or stderr is None:
            return
        if self._finalizer is not None:
            self._finalizer.detach()
        status = _stop(process)
        if status is not None and status > 0:
            self._failures.append(f"ssh exited with status {status}: {_said(stderr)}")
        stderr.close()


class SshConnectionPool(urllib3.connectionpool.HTTPConnectionPool):
    def __init__(self, command: Sequence[str], timeout: float, failures: List[str]) -> None:
        super().__init__("localhost", timeout=timeout, maxsize=4)
        self._command, self._ssh_timeout, self._failures = command, timeout, failures

    def _new_conn(self) -> SshConnection:
        return SshConnection(self._command, self._ssh_timeout, self._failures)


class SshAdapter(BaseHTTPAdapter):
    """Mounted on BASE_URL of a docker.APIClient. `failures` collects what ssh said when it exited with an
    error, for the message that names the engine."""

    def __init__(self, command: Sequence[str], timeout: float, failures: List[str]) -> None:
        self._pool = SshConnectionPool(command, timeout, failures)
        super().__init__()

    def get_connection(self, url: Any, proxies: Any = None) -> SshConnectionPool:
        return self._pool

    def request_url(self, request: requests.PreparedRequest, proxies: Any) -> str:
        return request.path_url

    def close(self) -> None:
        super().close()
        self._pool.close()
