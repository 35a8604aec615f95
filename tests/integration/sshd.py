"""An sshd of the tests' own, to reach this machine's engine over ssh:// as a remote one.

Debian's openssh-server (`make test-setup` installs it) listens on a free port of 127.0.0.1 with a host key
and an authorized key made in a temporary directory, root login by key only; its own config and pid file,
nothing of the system's sshd touched (only /run/sshd, which sshd needs, is made and removed again if it was
missing). The ssh client gets its options through DOCKER_SSH_OPTS (`-F` a config of the test's: that key,
that host key, no prompt), which pulumi-docker's provider and the project's own client both read; the
docker CLI reads no such variable, so `cli_bin_dir` holds an `ssh` that adds them. A stand-in `ssh` in
`bin_dir` records which process started it and runs the real one.
"""

import os
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import skip_or_fail
from tests.integration import engine

SSHD = Path("/usr/sbin/sshd")
PRIVSEP_DIR = Path("/run/sshd")  # compiled into Debian's sshd; the system's sshd service makes it
DEFAULT_SOCKET = "/var/run/docker.sock"


@dataclass
class Sshd:
    port: int
    url: str  # DOCKER_HOST for this machine's engine through this sshd
    ssh_opts: str  # DOCKER_SSH_OPTS with the authorized key
    refused_opts: str  # DOCKER_SSH_OPTS with a key the sshd does not know
    bin_dir: Path  # the recording stand-in `ssh`
    ssh_log: Path  # which process started each ssh
    sshd_log: Path
    cli_bin_dir: Path  # an `ssh` with the authorized key's options, for the docker CLI


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _keygen(path: Path) -> str:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return path.with_suffix(".pub").read_text().strip()


def _client_config(directory: Path, name: str, key: Path) -> Path:
    config = directory / name
    config.write_text(
        f"Host *\n  IdentityFile {key}\n  IdentitiesOnly yes\n  UserKnownHostsFile {directory}/known_hosts\n"
        "  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n  BatchMode yes\n"
    )
    return config


def _wait_for_port(port: int, process: "subprocess.Popen[bytes]", log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"sshd exited with {process.returncode}: {log.read_text()}", pytrace=False)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    pytest.fail(f"sshd did not listen on 127.0.0.1:{port} within 15 s: {log.read_text()}", pytrace=False)


def _engine_url(port: int) -> str:
    """ssh:// to this machine's engine: the socket path after the host when it is not the default one."""
    socket_path = engine.engine_socket()
    if socket_path is None:
        skip_or_fail("the remote-engine tests reach this machine's engine over ssh: DOCKER_HOST must be a unix socket")
    path = "" if os.path.realpath(str(socket_path)) == os.path.realpath(DEFAULT_SOCKET) else str(socket_path)
    return f"ssh://root@127.0.0.1:{port}{path}"


@contextmanager
def serve_sshd(directory: Path) -> Iterator[Sshd]:
    """An sshd of its own in `directory` (keys, config, logs), stopped afterwards."""
    if os.geteuid() != 0:
        skip_or_fail("the remote-engine tests start an sshd and log in as root: run them as root")
    real_ssh = shutil.which("ssh")
    if not SSHD.exists() or real_ssh is None or shutil.which("ssh-keygen") is None:
        skip_or_fail(
            "openssh-server (sshd) or the ssh client is missing: run `make test-setup` "
            "(or: sudo apt-get install openssh-server openssh-client)"
        )
    assert real_ssh is not None  # skip_or_fail did not return
    host_key = _keygen(directory / "host_key")
    (directory / "authorized_keys").write_text(_keygen(directory / "client_key") + "\n")
    _keygen(directory / "unknown_key")
    port = _free_port()
    (directory / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_key}\n")
    config = directory / "sshd_config"
    config.write_text(
        f"ListenAddress 127.0.0.1\nPort {port}\nHostKey {directory}/host_key\nPidFile {directory}/sshd.pid\n"
        f"AuthorizedKeysFile {directory}/authorized_keys\nPermitRootLogin prohibit-password\n"
        "PubkeyAuthentication yes\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
        # The keys live under /tmp, which anyone may write to: StrictModes would refuse them.
        "StrictModes no\n"
        # pulumi-docker's provider opens connections in parallel: more than the default 10 at once.
        "MaxStartups 100\nLogLevel VERBOSE\n"
    )
    bin_dir = directory / "bin"
    bin_dir.mkdir()
    ssh_log = directory / "ssh-started-by.log"
    stand_in = bin_dir / "ssh"
    stand_in.write_text(f'#!/bin/sh\ncat /proc/$PPID/comm >> "{ssh_log}"\nexec {real_ssh} "$@"\n')
    stand_in.chmod(0o755)
    cli_bin_dir = directory / "cli-bin"
    cli_bin_dir.mkdir()
    cli_ssh = cli_bin_dir / "ssh"
    cli_ssh.write_text(f'#!/bin/sh\nexec {real_ssh} -F "{directory}/ssh_config" "$@"\n')
    cli_ssh.chmod(0o755)
    made_privsep = not PRIVSEP_DIR.exists()
    if made_privsep:
        PRIVSEP_DIR.mkdir(mode=0o755)
    sshd_log = directory / "sshd.log"
    with open(sshd_log, "wb") as log:
        process = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(config)], stdout=log, stderr=log)
    try:
        _wait_for_port(port, process, sshd_log)
        served = Sshd(
            port=port,
            url=_engine_url(port),
            ssh_opts=f"-F {_client_config(directory, 'ssh_config', directory / 'client_key')}",
            refused_opts=f"-F {_client_config(directory, 'ssh_config_refused', directory / 'unknown_key')}",
            bin_dir=bin_dir,
            ssh_log=ssh_log,
            sshd_log=sshd_log,
            cli_bin_dir=cli_bin_dir,
        )
        login = subprocess.run(
            [real_ssh, *served.ssh_opts.split(), "-p", str(port), "root@127.0.0.1", "docker --version"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert login.returncode == 0, f"the test's own ssh login failed: {login.stderr}\n{sshd_log.read_text()}"
        yield served
    finally:
        process.terminate()
        process.wait(timeout=30)
        if made_privsep:
            PRIVSEP_DIR.rmdir()
