"""The Docker engine's HTTP API on Python's standard library, for the project's own providers and checks.

They make a handful of calls: list, inspect, create and remove networks, inspect containers, connect and
disconnect them. docker-py made them before, and importing it (requests, urllib3) took 0.07 s, which
`pulumi up -s redis` paid three times on its critical path: in the program's subnet check, once in the
preview and once in the update, and in the dynamic-provider host before it created the network.
http.client, json and ssl are loaded by the Pulumi SDK already.

The engine's address is read as docker's own tools read it: DOCKER_HOST (unix:///path or tcp://host:port,
unix:///var/run/docker.sock when unset); on tcp, TLS when DOCKER_TLS_VERIFY, DOCKER_TLS or DOCKER_CERT_PATH
is set, with the certificate files in DOCKER_CERT_PATH (default ~/.docker), the server's checked when
DOCKER_TLS_VERIFY is set.

Paths carry no API version: an engine answers those with its own, current version, and the fields used
here are the same in every version since 1.24 (Docker 29 refuses clients older than 1.44).
"""

import http.client
import json
import os
import socket
import ssl
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence
from urllib.parse import quote, urlsplit

import pulumi

from components.errors import ConfigError

HOST_VARIABLE = "DOCKER_HOST"
DEFAULT_HOST = "unix:///var/run/docker.sock"
TIMEOUT_SECONDS = 60.0


class EngineError(Exception):
    """The engine refused a call; `message` is the engine's own explanation."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class NotFound(EngineError):
    """No such network or container."""


class EngineUnreachable(pulumi.RunError):
    """Nothing answered at the engine's address (a RunError: the CLI shows the message, no traceback)."""


@dataclass(frozen=True)
class TlsSettings:
    cert_dir: str
    verify: bool  # check the engine's certificate against cert_dir/ca.pem


@dataclass(frozen=True)
class EngineAddress:
    url: str  # as given, for messages
    unix_path: Optional[str] = None
    host: str = ""
    port: int = 0
    tls: Optional[TlsSettings] = None


def _is_set(environ: Mapping[str, str], name: str) -> bool:
    return bool(environ.get(name))


def engine_address(environ: Mapping[str, str] = os.environ) -> EngineAddress:
    """Where the engine listens; a ConfigError naming DOCKER_HOST for an address this client cannot use."""
    url = environ.get(HOST_VARIABLE) or DEFAULT_HOST
    parts = urlsplit(url)
    if parts.scheme == "unix" and parts.path:
        return EngineAddress(url=url, unix_path=parts.path)
    if parts.scheme in ("tcp", "http", "https") and parts.hostname:
        wants_tls = parts.scheme == "https" or any(
            _is_set(environ, name) for name in ("DOCKER_TLS_VERIFY", "DOCKER_TLS", "DOCKER_CERT_PATH")
        )
        tls = (
            TlsSettings(
                cert_dir=environ.get("DOCKER_CERT_PATH") or os.path.expanduser("~/.docker"),
                verify=_is_set(environ, "DOCKER_TLS_VERIFY"),
            )
            if wants_tls
            else None
        )
        try:
            port = parts.port or (2376 if tls else 2375)
        except ValueError:
            port = 0
        if port:
            return EngineAddress(url=url, host=parts.hostname, port=port, tls=tls)
    raise ConfigError(
        HOST_VARIABLE,
        f"{url!r} is not an engine address the project's own providers can use "
        "(they speak to unix:// sockets and tcp:// addresses)",
        "export DOCKER_HOST=unix:///var/run/docker.sock (or the engine's tcp://host:port); for an "
        "engine reached over ssh, forward its socket (ssh -nNT -L /tmp/docker.sock:/var/run/"
        "docker.sock user@host) and export DOCKER_HOST=unix:///tmp/docker.sock",
    )


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self._path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


def tls_context(settings: TlsSettings) -> ssl.SSLContext:
    """As the docker CLI: the client certificate if there is one; the engine's checked only with verify."""
    if settings.verify:
        context = ssl.create_default_context(cafile=os.path.join(settings.cert_dir, "ca.pem"))
    else:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    cert, key = (os.path.join(settings.cert_dir, name) for name in ("cert.pem", "key.pem"))
    if os.path.exists(cert) and os.path.exists(key):
        context.load_cert_chain(cert, key)
    return context


def _engine_message(body: bytes) -> str:
    try:
        return str(json.loads(body)["message"])
    except (ValueError, KeyError, TypeError):
        return body.decode("utf-8", "replace").strip()


def _ref(name_or_id: str) -> str:
    return quote(name_or_id, safe="")


class EngineClient:
    """The calls the project makes. Each opens its own connection and closes it: the client is cheap to
    make, holds no socket between calls, and nothing in it outlives one provider operation."""

    def __init__(self, address: Optional[EngineAddress] = None, timeout: float = TIMEOUT_SECONDS) -> None:
        self.address = address or engine_address()
        self.timeout = timeout

    def _connection(self) -> http.client.HTTPConnection:
        address = self.address
        if address.unix_path is not None:
            return _UnixConnection(address.unix_path, self.timeout)
        if address.tls is not None:
            return http.client.HTTPSConnection(
                address.host, address.port, timeout=self.timeout, context=tls_context(address.tls)
            )
        return http.client.HTTPConnection(address.host, address.port, timeout=self.timeout)

    def call(self, method: str, path: str, body: Optional[Mapping[str, Any]] = None) -> Any:
        """One request; the decoded JSON answer (None when empty). EngineError for a refusal."""
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if payload is not None else {}
        connection = self._connection()
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            raise EngineUnreachable(
                f"no answer from the Docker engine at {self.address.url} ({error or type(error).__name__}). "
                f"Fix: start the engine (dockerd), or point {HOST_VARIABLE} at it"
            ) from None
        finally:
            connection.close()
        if response.status >= 400:
            error_type = NotFound if response.status == 404 else EngineError
            raise error_type(response.status, _engine_message(data))
        return json.loads(data) if data.strip() else None

    def networks(self) -> List[Dict[str, Any]]:
        return self.call("GET", "/networks")

    def network(self, name_or_id: str) -> Dict[str, Any]:
        return self.call("GET", f"/networks/{_ref(name_or_id)}")

    def create_network(
        self,
        name: str,
        *,
        driver: str,
        subnet: str,
        gateway: Optional[str] = None,
        ip_range: Optional[str] = None,
        labels: Optional[Mapping[str, str]] = None,
    ) -> str:
        """The new network's ID."""
        pool = {
            "Subnet": subnet,
            **({"Gateway": gateway} if gateway else {}),
            **({"IPRange": ip_range} if ip_range else {}),
        }
        # CheckDuplicate: engines before API 1.44 otherwise create a second network of the same name.
        created = self.call(
            "POST",
            "/networks/create",
            {
                "Name": name,
                "Driver": driver,
                "CheckDuplicate": True,
                "Labels": dict(labels or {}),
                "IPAM": {"Driver": "default", "Config": [pool]},
            },
        )
        return str(created["Id"])

    def remove_network(self, name_or_id: str) -> None:
        self.call("DELETE", f"/networks/{_ref(name_or_id)}")

    def container(self, name_or_id: str) -> Dict[str, Any]:
        return self.call("GET", f"/containers/{_ref(name_or_id)}/json")

    def connect(
        self, network: str, container: str, ipv4_address: Optional[str] = None, aliases: Sequence[str] = ()
    ) -> None:
        endpoint: Dict[str, Any] = {}
        if ipv4_address:
            endpoint["IPAMConfig"] = {"IPv4Address": ipv4_address}
        if aliases:
            endpoint["Aliases"] = list(aliases)
        self.call("POST", f"/networks/{_ref(network)}/connect", {"Container": container, "EndpointConfig": endpoint})

    def disconnect(self, network: str, container: str) -> None:
        self.call("POST", f"/networks/{_ref(network)}/disconnect", {"Container": container})
