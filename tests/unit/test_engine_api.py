"""EngineClient on docker-py against the fake engine: requests, answers, errors, the API version it speaks,
the oldest engine it accepts, images and their registry, and TLS on tcp. Where the engine is (DOCKER_HOST,
contexts, ssh://) is test_engine_endpoint.py's; ssh:// itself is test_ssh_transport.py's."""

import shutil
import ssl
import subprocess
import time
from pathlib import Path
from typing import Any, Dict, Iterator, Tuple

import pulumi
import pytest

from components.engine.client import (
    EngineClient,
    EngineError,
    EngineTooOld,
    EngineUnreachable,
    NotFound,
    RegistryTimeout,
)
from components.engine.endpoint import FROM_CONTEXT, FROM_HOST, Endpoint, resolve_endpoint
from components.errors import ConfigError

from .doubles.contexts import write_context
from .doubles.engine_api import FakeEngine


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


def test_the_client_inspects_an_image_by_a_name_with_slashes(engine: FakeEngine):
    engine.add_image("docker-networking/redis:local")
    with engine.client() as client:
        assert client.image("docker-networking/redis:local")["RepoTags"] == ["docker-networking/redis:local"]
        with pytest.raises(NotFound, match="No such image: redis:7.4"):
            client.image("redis:7.4")
    assert engine.calls == ["GET /images/docker-networking/redis:local/json", "GET /images/redis:7.4/json"]


def test_the_registry_is_asked_through_the_engine_within_the_time_given(engine: FakeEngine):
    engine.serve_from_registry("redis:7.4")
    engine.registry_delay = 2
    started = time.monotonic()
    with engine.client() as client, pytest.raises(RegistryTimeout, match=r"within 0\.3 s"):
        client.registry_descriptor("redis:7.4", timeout=0.3)
    assert time.monotonic() - started < 1.5
    engine.registry_delay = 0
    with engine.client() as client:
        assert client.registry_descriptor("redis:7.4", timeout=1)["Descriptor"]["digest"].startswith("sha256:")
        assert client.timeout == 5  # the short wait was for that call only


def test_names_are_quoted_into_the_path(engine: FakeEngine):
    with pytest.raises(NotFound):
        engine.client().container("a?b c")
    assert engine.calls == ["GET /containers/a%3Fb%20c/json"]


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
        EngineClient(Endpoint(f"unix://{gone}", origin=FROM_HOST)).networks()
    assert str(failure.value) == (
        f"no answer from the Docker engine at unix://{gone} (DOCKER_HOST): No such file or directory. "
        "Fix: start the engine (dockerd), or point DOCKER_HOST at it"
    )
    # A RunError: in the program, the CLI prints the message without a Python traceback.
    assert isinstance(failure.value, pulumi.RunError)


def test_an_engine_of_a_context_that_does_not_answer_names_the_context(tmp_path):
    gone = str(tmp_path / "docker.sock")
    with pytest.raises(EngineUnreachable) as failure:
        EngineClient(Endpoint(f"unix://{gone}", context="far", origin=FROM_CONTEXT)).version()
    assert "(the context 'far' that DOCKER_CONTEXT names)" in str(failure.value)
    assert "docker context inspect far" in str(failure.value)
    assert "point DOCKER_CONTEXT at another one" in str(failure.value)


def test_the_client_speaks_the_engines_own_api_version():
    newer = FakeEngine(docker_version="29.8.1", api_version="1.52")
    try:
        newer.client().networks()
        assert newer.api_versions == ["1.52"] and newer.calls == ["GET /networks"]
    finally:
        newer.close()


def test_the_client_asks_nothing_until_its_first_call_and_closes_its_connections(engine: FakeEngine):
    with engine.client() as client:
        assert engine.calls == [] and client._api is None
        client.networks()
    assert client._api is None


@pytest.mark.parametrize(
    "context,origin,setting", [(None, FROM_HOST, "DOCKER_HOST"), ("old-box", FROM_CONTEXT, "DOCKER_CONTEXT")]
)
def test_an_engine_older_than_docker_20_10_is_refused_naming_its_version_and_the_fix(context, origin, setting):
    old = FakeEngine(docker_version="19.03.15", api_version="1.40")
    try:
        with pytest.raises(EngineTooOld) as failure:
            EngineClient(Endpoint(old.endpoint.host, context=context, origin=origin)).networks()
        assert isinstance(failure.value, ConfigError) and failure.value.setting == setting
        assert f"the engine at {old.endpoint.host} " in failure.value.problem
        assert "is Docker 19.03.15 (API 1.40); the project supports Docker 20.10 (API 1.41) and newer" in (
            failure.value.problem
        )
        assert failure.value.fix == f"upgrade that engine to Docker 20.10 or newer, or point {setting} at one that is"
        assert old.calls == []  # refused before anything was asked of it, let alone created
    finally:
        old.close()


def test_an_unusable_docker_host_is_a_config_error_naming_it(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "npipe:////./pipe/docker_engine")
    with pytest.raises(ConfigError) as failure:
        EngineClient()
    assert failure.value.setting == "DOCKER_HOST"


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


def test_tls_checks_the_engine_and_presents_the_client_certificate(tls_engine, monkeypatch):
    # requests would take these for the engine's CA (psf/requests#3829); the docker CLI never does.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    monkeypatch.setenv("CURL_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    endpoint = resolve_endpoint(
        {
            "DOCKER_HOST": f"tcp://localhost:{tls_engine['port']}",
            "DOCKER_TLS_VERIFY": "1",
            "DOCKER_CERT_PATH": tls_engine["cert_dir"],
        }
    )
    assert [network["Name"] for network in EngineClient(endpoint, timeout=5).networks()] == ["over-tls"]


def test_tls_refuses_an_engine_whose_certificate_the_ca_did_not_sign(tls_engine):
    other_ca, _ = _self_signed(tls_engine["tmp"], "other")
    shutil.copy(other_ca, Path(tls_engine["cert_dir"]) / "ca.pem")
    endpoint = resolve_endpoint(
        {
            "DOCKER_HOST": f"tcp://localhost:{tls_engine['port']}",
            "DOCKER_TLS_VERIFY": "1",
            "DOCKER_CERT_PATH": tls_engine["cert_dir"],
        }
    )
    with pytest.raises(EngineUnreachable, match="certificate verify failed"):
        EngineClient(endpoint, timeout=5).networks()


def test_a_contexts_tls_files_reach_the_engine_over_tls(tls_engine, tmp_path):
    """As `docker context create x --docker host=tcp://...,ca=...,cert=...,key=...` stores them."""
    store = tmp_path / "docker-config"
    write_context(store, "tls-box", f"tcp://localhost:{tls_engine['port']}", tls_from=Path(tls_engine["cert_dir"]))
    endpoint = resolve_endpoint({"DOCKER_CONFIG": str(store), "DOCKER_CONTEXT": "tls-box"})
    assert [network["Name"] for network in EngineClient(endpoint, timeout=5).networks()] == ["over-tls"]
