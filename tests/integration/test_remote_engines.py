"""The engine over ssh://, and through a Docker context, on a real sshd: the mynet stack deployed and
destroyed, and the bad inputs stopped before anything is created.

An sshd of the test's own (Debian's openssh-server, `make test-setup` installs it) listens on a free port of
127.0.0.1 with a host key and an authorized key made in a temporary directory, root login by key only; its
own config and pid file, nothing of the system's sshd touched (only /run/sshd, which sshd needs, is made
and removed again if it was missing). The ssh client gets its options through DOCKER_SSH_OPTS (`-F` a
config of the test's: that key, that host key, no prompt), which pulumi-docker's provider and the project's
own client both read. A stand-in `ssh` first on PATH records which process started it and runs the real
one, so the tests see that the program, the project's providers and pulumi-docker's provider all went
over ssh. The engine at the other end is this machine's, so the containers are checked on it directly.
"""

import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
from pulumi import automation as auto

from harness.isolation import RunIsolation
from tests.conftest import skip_or_fail
from tests.integration import engine
from tests.integration.conftest import ProjectWorkspace

from .tomcat_checks import Mynet

pytestmark = pytest.mark.integration

SSHD = Path("/usr/sbin/sshd")
PRIVSEP_DIR = Path("/run/sshd")  # compiled into Debian's sshd; the system's sshd service makes it
DEFAULT_SOCKET = "/var/run/docker.sock"
TOMCATS = ("tomcat-net-01", "tomcat-net-02", "tomcat01")


@dataclass
class Sshd:
    port: int
    url: str  # DOCKER_HOST for this machine's engine through this sshd
    ssh_opts: str  # DOCKER_SSH_OPTS with the authorized key
    refused_opts: str  # DOCKER_SSH_OPTS with a key the sshd does not know
    bin_dir: Path  # the recording stand-in `ssh`
    ssh_log: Path  # which process started each ssh
    sshd_log: Path


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


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory, toolchain_env: Dict[str, str]) -> Iterator[Sshd]:
    if os.geteuid() != 0:
        skip_or_fail("the remote-engine tests start an sshd and log in as root: run them as root")
    real_ssh = shutil.which("ssh")
    if not SSHD.exists() or real_ssh is None or shutil.which("ssh-keygen") is None:
        skip_or_fail(
            "openssh-server (sshd) or the ssh client is missing: run `make test-setup` "
            "(or: sudo apt-get install openssh-server openssh-client)"
        )
    assert real_ssh is not None  # skip_or_fail did not return
    directory = tmp_path_factory.mktemp("sshd")
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


@pytest.fixture(scope="module")
def ssh_context(sshd: Sshd, run: RunIsolation) -> Iterator[str]:
    """A Docker context for the sshd's engine, made with `docker context create` where both the docker CLI
    and pulumi-docker's provider look (~/.docker of root's passwd entry), removed afterwards with whatever
    directories it added."""
    docker_dir = Path(pwd.getpwuid(os.getuid()).pw_dir) / ".docker"
    added = [p for p in (docker_dir, docker_dir / "contexts", docker_dir / "contexts" / "meta") if not p.exists()]
    name = f"{run.prefix}ssh"
    cli_env = {**os.environ, "DOCKER_CONFIG": str(docker_dir)}
    subprocess.run(["docker", "context", "create", name, "--docker", f"host={sshd.url}"], env=cli_env, check=True)
    try:
        yield name
    finally:
        subprocess.run(["docker", "context", "rm", "-f", name], env=cli_env, check=True, capture_output=True)
        for path in reversed(added):
            if path.exists() and not any(path.iterdir()):
                path.rmdir()


def _workspace(project: ProjectWorkspace, sshd: Sshd, **variables: str) -> ProjectWorkspace:
    """The project copy, with the engine named by `variables` and the test's ssh options; the Automation
    API adds the test process's environment, so an empty value is how a variable is left out."""
    env = {
        **project.env,
        "DOCKER_HOST": "",
        "DOCKER_CONTEXT": "",
        "DOCKER_CONFIG": "",
        "DOCKER_SSH_OPTS": sshd.ssh_opts,
        "PATH": f"{sshd.bin_dir}{os.pathsep}{project.env['PATH']}",
        **variables,
    }
    return ProjectWorkspace(project.root, env, project.run)


def _mynet_config(run: RunIsolation, stack: str) -> Dict[str, Any]:
    return {"scenario": "mynet", "mynet": Mynet(run, stack).settings(connect=True)}


def _leftovers(stack: str, prefix: str) -> Dict[str, List[str]]:
    return {kind: engine.labelled(kind, stack, prefix) for kind in engine.KINDS}


def _deploy_check_destroy(workspace: ProjectWorkspace, sshd: Sshd, run: RunIsolation, name: str) -> None:
    started_before = len(sshd.ssh_log.read_text().splitlines()) if sshd.ssh_log.exists() else 0
    stack = workspace.stack(name, _mynet_config(run, name))
    try:
        stack.up(on_output=print)
        mynet = Mynet(run, name)
        assert sorted(engine.labelled("containers", name, run.prefix)) == sorted(mynet.name(c) for c in TOMCATS)
        assert engine.labelled("networks", name, run.prefix) == [mynet.network]
        with engine.client() as local:
            attached = local.api.inspect_container(mynet.name("tomcat01"))["NetworkSettings"]["Networks"]
        assert attached[mynet.network]["IPAddress"] == mynet.tomcat01_ip
        started_by = sshd.ssh_log.read_text().splitlines()[started_before:]
        # The program and the project's providers (Python), and pulumi-docker's provider, all over ssh.
        assert any(comm.startswith("python") for comm in started_by), started_by
        assert any(comm.startswith("pulumi-resource") for comm in started_by), started_by
        stack.destroy(on_output=print)
        assert _leftovers(name, run.prefix) == {"containers": [], "networks": [], "volumes": []}
    finally:
        workspace.destroy_all()


def test_mynet_deploys_and_destroys_on_docker_host_ssh(project, run, sshd):
    _deploy_check_destroy(_workspace(project, sshd, DOCKER_HOST=sshd.url), sshd, run, "mynet-ssh")


def test_mynet_deploys_and_destroys_through_a_docker_context(project, run, sshd, ssh_context):
    _deploy_check_destroy(_workspace(project, sshd, DOCKER_CONTEXT=ssh_context), sshd, run, "mynet-context")


def _preview_error(workspace: ProjectWorkspace, run: RunIsolation, name: str) -> str:
    stack = workspace.stack(name, _mynet_config(run, name))
    try:
        with pytest.raises(auto.errors.CommandError) as raised:
            stack.preview(on_output=print)
        return str(raised.value)
    finally:
        workspace.destroy_all()


def test_a_key_the_sshd_refuses_stops_the_preview_naming_docker_host(project, run, sshd):
    workspace = _workspace(project, sshd, DOCKER_HOST=sshd.url, DOCKER_SSH_OPTS=sshd.refused_opts)
    said = _preview_error(workspace, run, "mynet-refused")
    assert f"no answer from the Docker engine at {sshd.url} (DOCKER_HOST)" in said
    assert "Permission denied (publickey)" in said
    assert f"`ssh -p {sshd.port} root@127.0.0.1 docker version` works without a prompt" in said
    assert "point DOCKER_HOST at it" in said
    assert _leftovers("mynet-refused", run.prefix) == {"containers": [], "networks": [], "volumes": []}


def test_a_context_that_does_not_exist_stops_the_preview_naming_docker_context(project, run, sshd):
    workspace = _workspace(project, sshd, DOCKER_CONTEXT="does-not-exist")
    said = _preview_error(workspace, run, "mynet-no-context")
    assert "invalid setting 'DOCKER_CONTEXT': there is no Docker context named 'does-not-exist'" in said
    assert "unset DOCKER_CONTEXT" in said
    assert _leftovers("mynet-no-context", run.prefix) == {"containers": [], "networks": [], "volumes": []}
