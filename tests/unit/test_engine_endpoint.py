"""Where the engine is: DOCKER_HOST, Docker contexts (written by hand in docker's on-disk format), ssh://
addresses and the command that reaches them, and what `make -s env` exports for a context."""

import shutil
import subprocess
from pathlib import Path
from typing import Dict

import pytest

from components.engine.docker_api import tcp_url
from components.engine.endpoint import (
    DEFAULT_HOST,
    FROM_CONTEXT,
    FROM_CURRENT_CONTEXT,
    FROM_HOST,
    Endpoint,
    EndpointError,
    TlsSettings,
    resolve_endpoint,
    shell_exports,
    ssh_command,
    ssh_login,
)

from .doubles.contexts import use_context, write_context

SSH_ENGINE = "ssh://deploy@engine.example:2222"


@pytest.fixture
def home(tmp_path: Path) -> Dict[str, str]:
    """An environment whose ~/.docker is empty: nothing of this machine's docker configuration is read."""
    return {"HOME": str(tmp_path / "home")}


# --- DOCKER_HOST --------------------------------------------------------------------------------------


def test_the_local_socket_when_nothing_names_an_engine(home):
    assert resolve_endpoint(home) == Endpoint(DEFAULT_HOST)
    assert resolve_endpoint(home).described == f"{DEFAULT_HOST} (DOCKER_HOST is not set)"


def test_a_unix_socket_elsewhere(home):
    endpoint = resolve_endpoint({**home, "DOCKER_HOST": "unix:///run/user/1000/docker.sock"})
    assert endpoint == Endpoint("unix:///run/user/1000/docker.sock", origin=FROM_HOST) and endpoint.is_local


def test_tcp_without_tls_on_the_plain_port(home):
    endpoint = resolve_endpoint({**home, "DOCKER_HOST": "tcp://10.0.0.5"})
    assert (endpoint.tls, tcp_url(endpoint), endpoint.is_local) == (None, "tcp://10.0.0.5:2375", False)


def test_tcp_with_tls_verify_on_the_tls_port_with_the_cert_path(home):
    endpoint = resolve_endpoint(
        {**home, "DOCKER_HOST": "tcp://engine.local", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": "/etc/certs"}
    )
    assert (endpoint.tls, tcp_url(endpoint)) == (
        TlsSettings(cert_dir="/etc/certs", verify=True),
        "tcp://engine.local:2376",
    )


def test_docker_tls_alone_means_tls_without_checking_the_engine(home):
    endpoint = resolve_endpoint({**home, "DOCKER_HOST": "tcp://engine.local:2400", "DOCKER_TLS": "1"})
    assert (endpoint.tls, tcp_url(endpoint)) == (
        TlsSettings(cert_dir=f"{home['HOME']}/.docker", verify=False),
        "tcp://engine.local:2400",
    )


@pytest.mark.parametrize(
    "url",
    [
        "npipe:////./pipe/docker_engine",
        "tcp://",
        "unix://",
        "tcp://engine.local:notaport",
        "ssh://me:secret@engine.local",
        "ssh://engine.local?x=1",
        "ssh://",
    ],
)
def test_an_address_the_project_cannot_use_names_the_variable_and_the_fix(home, url):
    with pytest.raises(EndpointError) as failure:
        resolve_endpoint({**home, "DOCKER_HOST": url})
    assert failure.value.setting == "DOCKER_HOST"
    assert repr(url) in failure.value.problem
    assert "export DOCKER_HOST=unix:///var/run/docker.sock" in failure.value.fix


# --- ssh:// --------------------------------------------------------------------------------------------


def test_an_ssh_address_is_an_engine_address(home):
    endpoint = resolve_endpoint({**home, "DOCKER_HOST": SSH_ENGINE})
    assert (endpoint.host, endpoint.scheme, endpoint.is_local, endpoint.tls) == (SSH_ENGINE, "ssh", False, None)


def test_the_ssh_command_is_the_docker_clis_with_batch_mode():
    assert ssh_command(SSH_ENGINE, {}) == [
        "ssh",
        "-l",
        "deploy",
        "-p",
        "2222",
        "-o",
        "ConnectTimeout=30",
        "-o",
        "BatchMode=yes",
        "-T",
        "--",
        "engine.example",
        "docker system dial-stdio",
    ]


def test_the_ssh_command_without_user_or_port_and_with_a_remote_socket():
    assert ssh_command("ssh://engine.example/run/user/1000/docker.sock", {})[-3:] == [
        "--",
        "engine.example",
        "docker --host=unix:///run/user/1000/docker.sock system dial-stdio",
    ]
    assert ssh_command("ssh://engine.example", {})[:2] == ["ssh", "-o"]


def test_docker_ssh_opts_come_first_so_a_persons_options_win():
    """pulumi-docker's provider reads DOCKER_SSH_OPTS too: both reach the engine with the same options."""
    command = ssh_command(SSH_ENGINE, {"DOCKER_SSH_OPTS": "-F /tmp/cfg  -o ConnectTimeout=5"})
    assert command[5:9] == ["-F", "/tmp/cfg", "-o", "ConnectTimeout=5"]
    assert command.index("ConnectTimeout=5") < command.index("ConnectTimeout=30")


def test_the_fix_for_an_ssh_engine_says_how_to_check_the_login():
    endpoint = Endpoint(SSH_ENGINE, origin=FROM_HOST)
    assert ssh_login(SSH_ENGINE) == "-p 2222 deploy@engine.example"
    assert endpoint.unreachable_fix() == (
        "check that `ssh -p 2222 deploy@engine.example docker version` works without a prompt (your key in "
        "ssh-agent or ~/.ssh/config, the host in known_hosts, docker installed there), or point DOCKER_HOST at it"
    )


# --- contexts ------------------------------------------------------------------------------------------


def test_docker_context_names_the_context_to_read(tmp_path, home):
    write_context(tmp_path, "build-box", SSH_ENGINE)
    endpoint = resolve_endpoint({**home, "DOCKER_CONFIG": str(tmp_path), "DOCKER_CONTEXT": "build-box"})
    assert endpoint == Endpoint(SSH_ENGINE, context="build-box", origin=FROM_CONTEXT)
    assert endpoint.setting == "DOCKER_CONTEXT"
    assert endpoint.described == f"{SSH_ENGINE} (the context 'build-box' that DOCKER_CONTEXT names)"


def test_the_current_context_of_docker_context_use(tmp_path):
    docker_dir = tmp_path / ".docker"
    write_context(docker_dir, "build-box", SSH_ENGINE)
    use_context(docker_dir, "build-box")
    endpoint = resolve_endpoint({"HOME": str(tmp_path)})
    assert endpoint == Endpoint(SSH_ENGINE, context="build-box", origin=FROM_CURRENT_CONTEXT)


def test_docker_host_comes_before_any_context_and_docker_context_before_the_current_one(tmp_path, home):
    write_context(tmp_path, "build-box", SSH_ENGINE)
    write_context(tmp_path, "other", "tcp://other.example:2375")
    use_context(tmp_path, "other")
    environ = {**home, "DOCKER_CONFIG": str(tmp_path)}
    assert resolve_endpoint({**environ, "DOCKER_CONTEXT": "build-box", "DOCKER_HOST": "tcp://10.0.0.5:2375"}).host == (
        "tcp://10.0.0.5:2375"
    )
    assert resolve_endpoint({**environ, "DOCKER_CONTEXT": "build-box"}).host == SSH_ENGINE
    assert resolve_endpoint(environ).host == "tcp://other.example:2375"


@pytest.mark.parametrize("how", ["DOCKER_CONTEXT", "docker context use"])
def test_the_default_context_is_the_local_socket(tmp_path, home, how):
    if how == "DOCKER_CONTEXT":
        environ = {**home, "DOCKER_CONFIG": str(tmp_path), "DOCKER_CONTEXT": "default"}
    else:
        use_context(tmp_path, "default")
        environ = {**home, "DOCKER_CONFIG": str(tmp_path)}
    assert resolve_endpoint(environ) == Endpoint(DEFAULT_HOST)


@pytest.mark.parametrize("skip_verify", [False, True])
def test_a_contexts_tls_files_and_skip_tls_verify(tmp_path, home, skip_verify):
    certs = tmp_path / "certs"
    certs.mkdir()
    for pem in ("ca.pem", "cert.pem", "key.pem"):
        (certs / pem).write_text("not a real certificate")
    store = tmp_path / "store"
    write_context(store, "tls-box", "tcp://engine.example:2376", tls_from=certs, skip_tls_verify=skip_verify)
    endpoint = resolve_endpoint({**home, "DOCKER_CONFIG": str(store), "DOCKER_CONTEXT": "tls-box"})
    tls_dir = next((store / "contexts" / "tls").iterdir()) / "docker"
    assert endpoint.tls == TlsSettings(cert_dir=str(tls_dir), verify=not skip_verify)


def test_a_context_that_does_not_exist_names_docker_context_and_the_fix(tmp_path, home):
    with pytest.raises(EndpointError) as failure:
        resolve_endpoint({**home, "DOCKER_CONFIG": str(tmp_path), "DOCKER_CONTEXT": "does-not-exist"})
    assert failure.value.setting == "DOCKER_CONTEXT"
    assert failure.value.problem == f"there is no Docker context named 'does-not-exist' (looked in {tmp_path}/contexts)"
    assert "docker context create does-not-exist --docker host=ssh://user@host" in failure.value.fix
    assert "unset DOCKER_CONTEXT" in failure.value.fix
    assert str(failure.value).startswith("invalid setting 'DOCKER_CONTEXT': there is no Docker context named")


def test_a_current_context_that_does_not_exist_says_where_it_was_chosen(tmp_path, home):
    use_context(tmp_path, "gone")
    with pytest.raises(EndpointError) as failure:
        resolve_endpoint({**home, "DOCKER_CONFIG": str(tmp_path)})
    assert failure.value.setting == "DOCKER_CONTEXT"
    assert f"the current Docker context 'gone' (currentContext in {tmp_path}/config.json)" in failure.value.problem
    assert "docker context use default" in failure.value.fix


def test_a_context_whose_engine_the_project_cannot_use(tmp_path, home):
    write_context(tmp_path, "windows", "npipe:////./pipe/docker_engine")
    with pytest.raises(EndpointError) as failure:
        resolve_endpoint({**home, "DOCKER_CONFIG": str(tmp_path), "DOCKER_CONTEXT": "windows"})
    assert failure.value.setting == "DOCKER_CONTEXT"
    assert "docker context update windows" in failure.value.fix


def test_a_damaged_context_store_names_the_file(tmp_path, home):
    write_context(tmp_path, "box", SSH_ENGINE)
    meta = next((tmp_path / "contexts" / "meta").iterdir()) / "meta.json"
    meta.write_text("{not json")
    with pytest.raises(EndpointError) as failure:
        resolve_endpoint({**home, "DOCKER_CONFIG": str(tmp_path), "DOCKER_CONTEXT": "box"})
    assert str(meta) in failure.value.problem


@pytest.mark.skipif(shutil.which("docker") is None, reason="needs the docker CLI (it writes the context store)")
def test_a_context_the_docker_cli_made_is_read_as_it_wrote_it(tmp_path, home):
    """`docker context create` only writes files: the engine is not asked."""
    subprocess.run(
        ["docker", "context", "create", "cli-made", "--docker", f"host={SSH_ENGINE}"],
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "DOCKER_CONFIG": str(tmp_path), **home},
        check=True,
        capture_output=True,
    )
    endpoint = resolve_endpoint({**home, "DOCKER_CONFIG": str(tmp_path), "DOCKER_CONTEXT": "cli-made"})
    assert (endpoint.host, endpoint.context) == (SSH_ENGINE, "cli-made")


# --- what `make -s env` exports ------------------------------------------------------------------------


def test_a_context_is_exported_as_docker_host_for_every_part_of_the_stack():
    endpoint = Endpoint(SSH_ENGINE, context="build-box", origin=FROM_CONTEXT)
    assert shell_exports(endpoint) == [f'export DOCKER_HOST="{SSH_ENGINE}"', "unset DOCKER_CONTEXT"]


def test_a_tls_context_exports_its_certificates_too():
    endpoint = Endpoint("tcp://e:2376", TlsSettings("/c/tls", verify=True), context="t", origin=FROM_CURRENT_CONTEXT)
    assert shell_exports(endpoint) == [
        'export DOCKER_HOST="tcp://e:2376"',
        'export DOCKER_CERT_PATH="/c/tls"',
        'export DOCKER_TLS_VERIFY="1"',
        "unset DOCKER_CONTEXT",
    ]


@pytest.mark.parametrize("endpoint", [Endpoint(DEFAULT_HOST), Endpoint("tcp://10.0.0.5:2375", origin=FROM_HOST)])
def test_an_engine_no_context_chose_exports_nothing(endpoint):
    assert shell_exports(endpoint) == []
