"""EngineClient: the engine's address from the environment, requests, errors, and TLS on tcp."""

import shutil
import ssl
import subprocess
from pathlib import Path
from typing import Any, Dict, Iterator, Tuple

import pulumi
import pytest

from components.engine.client import (
    EngineAddress,
    EngineClient,
    EngineError,
    EngineUnreachable,
    NotFound,
    TlsSettings,
    engine_address,
)
from components.errors import ConfigError

from .doubles.engine_api import FakeEngine


def test_the_local_socket_when_docker_host_is_unset():
    assert engine_address({}) == EngineAddress(url="unix:///var/run/docker.sock", unix_path="/var/run/docker.sock")


def test_a_unix_socket_elsewhere():
    assert (
        engine_address({"DOCKER_HOST": "unix:///run/user/1000/docker.sock"}).unix_path == "/run/user/1000/docker.sock"
    )


def test_tcp_without_tls_on_the_plain_port():
    address = engine_address({"DOCKER_HOST": "tcp://10.0.0.5"})
    assert (address.host, address.port, address.tls) == ("10.0.0.5", 2375, None)


def test_tcp_with_tls_verify_on_the_tls_port_with_the_cert_path():
    address = engine_address(
        {"DOCKER_HOST": "tcp://engine.local", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": "/etc/docker-certs"}
    )
    assert (address.port, address.tls) == (2376, TlsSettings(cert_dir="/etc/docker-certs", verify=True))


def test_a_cert_path_alone_means_tls_without_checking_the_engine(monkeypatch):
    monkeypatch.setenv("HOME", "/home/someone")
    address = engine_address({"DOCKER_HOST": "tcp://engine.local:2400", "DOCKER_TLS": "1"})
    assert (address.port, address.tls) == (2400, TlsSettings(cert_dir="/home/someone/.docker", verify=False))


@pytest.mark.parametrize(
    "url",
    ["ssh://me@engine.local", "npipe:////./pipe/docker_engine", "tcp://", "unix://", "tcp://engine.local:notaport"],
)
def test_an_address_the_client_cannot_use_names_the_variable_and_the_fix(url):
    with pytest.raises(ConfigError) as failure:
        engine_address({"DOCKER_HOST": url})
    assert failure.value.setting == "DOCKER_HOST"
    assert url in str(failure.value)
    assert "export DOCKER_HOST=unix:///var/run/docker.sock" in str(failure.value)


def test_not_found_carries_the_engines_message(engine: FakeEngine):
    with pytest.raises(NotFound) as failure:
        engine.client().network("nothere")
    assert (failure.value.status, failure.value.message) == (404, "network nothere not found")


def test_a_refusal_is_an_engine_error_with_its_status(engine: FakeEngine):
    engine.add_network("taken")
    with pytest.raises(EngineError) as failure:
        engine.client().create_network("taken", driver="bridge", subnet="10.1.0.0/24")
    assert not isinstance(failure.value, NotFound)
    assert (failure.value.status, str(failure.value)) == (409, "network with name taken already exists")


def test_names_are_quoted_into_the_path(engine: FakeEngine):
    with pytest.raises(NotFound):
        engine.client().container("a/b?c")
    assert engine.calls == ["GET /containers/a%2Fb%3Fc/json"]


def test_create_network_sends_only_the_settings_given_and_returns_the_id(engine: FakeEngine):
    network_id = engine.client().create_network("n", driver="bridge", subnet="10.1.0.0/24")
    assert engine.bodies == [
        {
            "Name": "n",
            "Driver": "bridge",
            "CheckDuplicate": True,
            "Labels": {},
            "IPAM": {"Driver": "default", "Config": [{"Subnet": "10.1.0.0/24"}]},
        }
    ]
    assert engine.client().network("n")["Id"] == network_id


def test_an_engine_that_does_not_answer_is_named_with_the_fix(tmp_path):
    gone = str(tmp_path / "docker.sock")
    with pytest.raises(EngineUnreachable) as failure:
        EngineClient(EngineAddress(url=f"unix://{gone}", unix_path=gone)).networks()
    assert f"no answer from the Docker engine at unix://{gone}" in str(failure.value)
    assert "Fix: start the engine (dockerd), or point DOCKER_HOST at it" in str(failure.value)
    # A RunError: in the program, the CLI prints the message without a Python traceback.
    assert isinstance(failure.value, pulumi.RunError)


def _self_signed(directory: Path, name: str) -> Tuple[Path, Path]:
    cert, key = directory / f"{name}.pem", directory / f"{name}-key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_engine(tmp_path: Path) -> Iterator[Dict[str, Any]]:
    """The fake engine on https, requiring the client's certificate, with one network `over-tls`."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: it makes the test's certificates")
    server_cert, server_key = _self_signed(tmp_path, "server")
    client_dir = tmp_path / "client"
    client_dir.mkdir()
    client_cert, client_key = _self_signed(client_dir, "cert")
    client_key.rename(client_dir / "key.pem")
    shutil.copy(server_cert, client_dir / "ca.pem")

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(server_cert, server_key)
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(client_cert)
    engine = FakeEngine(tls=context)
    engine.add_network("over-tls")
    yield {"port": engine.port, "cert_dir": str(client_dir), "tmp": tmp_path}
    engine.close()


def test_tls_checks_the_engine_and_presents_the_client_certificate(tls_engine):
    address = engine_address(
        {
            "DOCKER_HOST": f"tcp://localhost:{tls_engine['port']}",
            "DOCKER_TLS_VERIFY": "1",
            "DOCKER_CERT_PATH": tls_engine["cert_dir"],
        }
    )
    assert [network["Name"] for network in EngineClient(address, timeout=5.0).networks()] == ["over-tls"]


def test_tls_refuses_an_engine_whose_certificate_the_ca_did_not_sign(tls_engine):
    other_ca, _ = _self_signed(tls_engine["tmp"], "other")
    shutil.copy(other_ca, Path(tls_engine["cert_dir"]) / "ca.pem")
    address = engine_address(
        {
            "DOCKER_HOST": f"tcp://localhost:{tls_engine['port']}",
            "DOCKER_TLS_VERIFY": "1",
            "DOCKER_CERT_PATH": tls_engine["cert_dir"],
        }
    )
    with pytest.raises(EngineUnreachable, match="certificate verify failed"):
        EngineClient(address, timeout=5.0).networks()
