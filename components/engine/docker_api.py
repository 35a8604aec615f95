"""A docker-py APIClient for an Endpoint: unix:// and tcp:// (with TLS) through docker-py's own
transports, ssh:// through ssh_transport. It speaks the engine's own API version, as docker-py's
`version="auto"` does.

Imported when the engine is first asked, not with client.py: docker-py and requests take about 0.08 s
to import, which a program run that never reaches the engine should not pay.
"""

import os
from typing import TYPE_CHECKING, Any, List, Mapping, Optional, Union
from urllib.parse import urlsplit

import docker
import requests
from docker.tls import TLSConfig

from components.engine.endpoint import Endpoint, TlsSettings, resolve_endpoint, ssh_command
from components.engine.ssh_transport import BASE_URL as SSH_BASE_URL
from components.engine.ssh_transport import SshAdapter

if TYPE_CHECKING:
    from requests.sessions import _Settings


class _ApiClient(docker.APIClient):
    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> "_Settings":
        """The engine's CA stays the one its certificates are checked against: requests would otherwise
        take REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE instead (psf/requests#3829), which the docker CLI and
        pulumi-docker's provider never read."""
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if isinstance(self.verify, str):
            settings["verify"] = self.verify
        return settings


def tls_config(settings: TlsSettings) -> TLSConfig:
    """As the docker CLI: the client certificate if there is one; the engine's checked only with verify."""
    cert, key = (os.path.join(settings.cert_dir, name) for name in ("cert.pem", "key.pem"))
    return TLSConfig(
        client_cert=(cert, key) if os.path.isfile(cert) and os.path.isfile(key) else None,
        ca_cert=os.path.join(settings.cert_dir, "ca.pem") if settings.verify else None,
        verify=settings.verify,
    )


def tcp_url(endpoint: Endpoint) -> str:
    """tcp://host:port, with the docker CLI's default port (2376 with TLS, else 2375): docker-py wants one."""
    parts = urlsplit(endpoint.host)
    host = str(parts.hostname)
    host = f"[{host}]" if ":" in host else host
    return f"tcp://{host}:{parts.port or (2376 if endpoint.tls else 2375)}"


def _engine_api_version(adapter: SshAdapter, timeout: int) -> str:
    answer = adapter.send(requests.Request("GET", f"{SSH_BASE_URL}/version").prepare(), timeout=timeout)
    try:
        if not answer.ok:
            raise requests.exceptions.ConnectionError(f"the engine answered /version with HTTP {answer.status_code}")
        return str(answer.json()["ApiVersion"])
    finally:
        answer.close()


def _over_ssh(
    endpoint: Endpoint, timeout: int, ssh_failures: List[str], environ: Mapping[str, str]
) -> docker.APIClient:
    adapter = SshAdapter(ssh_command(endpoint.host, environ), timeout, ssh_failures)
    try:
        version = _engine_api_version(adapter, timeout)
    except BaseException:
        adapter.close()
        raise
    # The local socket's adapter docker-py mounts by default is replaced before anything is sent.
    api = _ApiClient(version=version, timeout=timeout)
    api.mount("http+docker://", adapter)
    api.base_url = SSH_BASE_URL
    return api


def open_api(
    endpoint: Endpoint, timeout: int, ssh_failures: List[str], environ: Mapping[str, str] = os.environ
) -> docker.APIClient:
    """Asks the engine its API version (one request); docker-py's errors are the caller's to map.
    `environ` gives ssh its DOCKER_SSH_OPTS."""
    if endpoint.scheme == "ssh":
        return _over_ssh(endpoint, timeout, ssh_failures, environ)
    base_url = endpoint.host if endpoint.is_local else tcp_url(endpoint)
    tls: Union[bool, TLSConfig] = tls_config(endpoint.tls) if endpoint.tls else False
    return _ApiClient(base_url=base_url, tls=tls, version="auto", timeout=timeout)


def product_version(api: docker.APIClient) -> Optional[str]:
    """The engine's Docker version ("20.10.24"), for messages."""
    version = api.version(api_version=False).get("Version")
    return str(version) if version else None


class _HighLevelClient(docker.DockerClient):
    """docker-py's DockerClient over an APIClient opened here: its own constructor builds one from
    base_url, which knows neither contexts nor (without paramiko) ssh://."""

    def __init__(self, api: docker.APIClient) -> None:
        self.api = api


def docker_client(environ: Mapping[str, str] = os.environ, timeout: int = 60) -> docker.DockerClient:
    """docker-py's DockerClient on the engine `environ` names, resolved as the program resolves it
    (DOCKER_HOST, DOCKER_CONTEXT, the current context; unix://, tcp:// with TLS, ssh://), for the tests,
    the harness and `make topology`. EndpointError for an address or context that cannot be used;
    docker-py's errors when nothing answers."""
    return _HighLevelClient(open_api(resolve_endpoint(environ), timeout, [], environ))
