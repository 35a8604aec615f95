"""The engine over ssh://, and through a Docker context, on a real sshd: the mynet stack deployed and
destroyed, and the bad inputs stopped before anything is created.

The engine is this machine's, reached through an sshd of the test's own (the `sshd` fixture,
tests/integration/sshd.py), so the containers are checked on it directly. A stand-in `ssh` first on PATH
records which process started it, so the tests see that the program, the project's providers and
pulumi-docker's provider all went over ssh.
"""

import os
import pwd
import subprocess
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
from pulumi import automation as auto

from harness.isolation import RunIsolation
from tests.integration import engine
from tests.integration.conftest import ProjectWorkspace

from .sshd import Sshd
from .tomcat_checks import Mynet

pytestmark = pytest.mark.integration

TOMCATS = ("tomcat-net-01", "tomcat-net-02", "tomcat01")


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
