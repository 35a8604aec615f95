"""The fake Docker engine: the API calls the project makes, over HTTP on a Unix socket (or TCP with TLS).

The providers, the engine client and the subnet check run against it with the real EngineClient (docker-py
underneath), so what the tests check includes the requests the client sends and how it reads the engine's
answers and errors. Like an engine it answers /version, with which docker-py picks the API version it
puts before every other path (/v1.41/networks).
"""

import copy
import ipaddress
import json
import os
import re
import socketserver
import ssl
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any, Dict, List, Optional, Tuple, Type, TypeVar
from urllib.parse import unquote, urlsplit

from components.engine.client import EngineClient
from components.engine.endpoint import FROM_HOST, Endpoint
from components.engine.provider import EngineProvider

VERSIONED = re.compile(r"/v(\d+\.\d+)(?=/)")


class EngineRefusal(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _UnixServer(socketserver.ThreadingUnixStreamServer):
    # Keep-alive connections a test left open must not hold close() up.
    daemon_threads = True
    block_on_close = False


class _TcpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    block_on_close = False


# What an engine with no route to any registry says when asked for an image's descriptor.
NO_REGISTRY = "dial tcp: lookup of the registry: connect: network is unreachable"


class FakeEngine:
    """In-memory networks, containers, volumes and images. `calls` lists "METHOD /path" of every request but
    /version (the path without the API version and query), `bodies` the JSON bodies of the writes, `api_versions` the
    version of each versioned path; `refuse[(method, last path segment)]` makes the engine refuse such a
    call. `docker_version` and `api_version` are what /version says (Debian 12's docker.io by default).

    `images` are the images the engine has; `registry` those its registry serves (GET /distribution), which
    answers after `registry_delay` seconds, or refuses with `registry_error` what it does not serve.

    It listens on a Unix socket of its own (`endpoint`, `client()`), or with `tls` (a server context) on a
    TCP port of 127.0.0.1 (`port`), as an engine at DOCKER_HOST=tcp://... with TLS does."""

    def __init__(
        self, tls: Optional[ssl.SSLContext] = None, docker_version: str = "20.10.24", api_version: str = "1.41"
    ) -> None:
        self.networks: Dict[str, Dict[str, Any]] = {}
        self.containers: Dict[str, Dict[str, Any]] = {}
        self.volumes: Dict[str, Dict[str, Any]] = {}  # by name
        self.docker_version = docker_version
        self.api_version = api_version
        self.calls: List[str] = []
        self.api_versions: List[str] = []
        self.bodies: List[Dict[str, Any]] = []
        self.refuse: Dict[Tuple[str, str], Tuple[int, str]] = {}
        self.images: Dict[str, Dict[str, Any]] = {}
        self.registry: Dict[str, Dict[str, Any]] = {}
        self.registry_error = NO_REGISTRY
        self.registry_delay = 0.0
        self._next_host = 2
        self._dir = tempfile.mkdtemp(prefix="fake-engine-")
        self.socket_path = os.path.join(self._dir, "docker.sock")
        self.port: Optional[int] = None  # the TCP port, with `tls`
        self._server: socketserver.BaseServer
        if tls is None:
            self._server = _UnixServer(self.socket_path, _handler_for(self))
        else:
            tcp = _TcpServer(("127.0.0.1", 0), _handler_for(self))
            tcp.socket = tls.wrap_socket(tcp.socket, server_side=True)
            self.port = tcp.server_address[1]
            self._server = tcp
        # A short poll: shutdown() waits for the serving loop to look at its flag.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.01,), daemon=True)
        self._thread.start()

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint(host=f"unix://{self.socket_path}", origin=FROM_HOST)

    def client(self) -> EngineClient:
        return EngineClient(self.endpoint, timeout=5)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if os.path.exists(self.socket_path):
            os.unlink(self.socket_path)
        os.rmdir(self._dir)

    # What tests set up directly, as the engine would have it.
    def add_network(
        self,
        name: str,
        subnet: str = "192.168.0.0/24",
        network_id: Optional[str] = None,
        labels: Optional[Dict[str, str]] = None,
    ) -> str:
        network_id = network_id or f"{len(self.networks) + 1:064x}"
        self.networks[network_id] = {
            "Id": network_id,
            "Name": name,
            "Driver": "bridge",
            "Labels": labels or {},
            "IPAM": {"Driver": "default", "Config": [{"Subnet": subnet}]},
            "Containers": {},
        }
        return network_id

    def add_container(self, name: str, container_id: str, labels: Optional[Dict[str, str]] = None) -> None:
        self.containers[container_id] = {
            "Id": container_id,
            "Name": f"/{name}",
            "Config": {"Labels": labels or {}},
            "NetworkSettings": {"Networks": {"bridge": {"NetworkID": "b" * 64, "IPAddress": "172.17.0.2"}}},
        }

    def add_volume(self, name: str, labels: Optional[Dict[str, str]] = None) -> None:
        self.volumes[name] = {"Name": name, "Driver": "local", "Labels": labels or {}}

    def add_image(self, name: str) -> None:
        self.images[name] = {"Id": f"sha256:{len(self.images) + 1:064x}", "RepoTags": [name]}

    def serve_from_registry(self, name: str) -> None:
        self.registry[name] = {
            "Descriptor": {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": "sha256:" + "a" * 64},
            "Platforms": [{"architecture": "amd64", "os": "linux"}],
        }

    def _image(self, name: str) -> Dict[str, Any]:
        if name not in self.images:
            raise EngineRefusal(404, f"No such image: {name}")
        return self.images[name]

    def _registry_descriptor(self, name: str) -> Dict[str, Any]:
        time.sleep(self.registry_delay)
        if name not in self.registry:
            raise EngineRefusal(500, self.registry_error)
        return self.registry[name]

    def _network(self, ref: str) -> Dict[str, Any]:
        for network in self.networks.values():
            if ref in (network["Id"], network["Name"]):
                return network
        raise EngineRefusal(404, f"network {ref} not found")

    def _container(self, ref: str) -> Dict[str, Any]:
        for container in self.containers.values():
            if ref in (container["Id"], container["Name"].lstrip("/")):
                return container
        raise EngineRefusal(404, f"No such container: {ref}")

    def version(self) -> Dict[str, Any]:
        return {"Version": self.docker_version, "ApiVersion": self.api_version, "MinAPIVersion": "1.12"}

    def answer(self, method: str, parts: List[str], body: Dict[str, Any]) -> Tuple[int, Any]:
        """The answer to one request, whose path `parts` come without the API version."""
        if method == "GET" and parts == ["version"]:
            return 200, self.version()
        refusal = self.refuse.get((method, parts[-1]))
        if refusal:
            raise EngineRefusal(*refusal)
        if method == "GET" and parts == ["networks"]:
            return 200, list(self.networks.values())
        if method == "POST" and parts == ["networks", "create"]:
            return 201, self._create_network(body)
        if parts[0] == "networks" and len(parts) == 2:
            if method == "GET":
                return 200, self._network(parts[1])
            if method == "DELETE":
                return self._remove_network(parts[1])
        # An image's name may hold slashes: docker-py keeps them in the path (/images/a/b:tag/json).
        if method == "GET" and parts[0] == "images" and parts[-1] == "json":
            return 200, self._image("/".join(parts[1:-1]))
        if method == "GET" and parts[0] == "distribution" and parts[-1] == "json":
            return 200, self._registry_descriptor("/".join(parts[1:-1]))
        if method == "GET" and parts[0] == "containers" and parts[2:] == ["json"]:
            return 200, self._container(parts[1])
        if method == "DELETE" and parts[0] == "containers" and len(parts) == 2:
            del self.containers[self._container(parts[1])["Id"]]
            return 204, None
        if parts[0] == "volumes" and len(parts) == 2:
            if parts[1] not in self.volumes:
                raise EngineRefusal(404, f"get {parts[1]}: no such volume")
            if method == "GET":
                return 200, self.volumes[parts[1]]
            if method == "DELETE":
                del self.volumes[parts[1]]
                return 204, None
        if method == "POST" and parts[0] == "networks" and parts[2:] == ["connect"]:
            return self._connect(
                self._network(parts[1]), self._container(body["Container"]), body.get("EndpointConfig") or {}
            )
        if method == "POST" and parts[0] == "networks" and parts[2:] == ["disconnect"]:
            return self._disconnect(self._network(parts[1]), self._container(body["Container"]))
        raise EngineRefusal(404, f"page not found: {method} /{'/'.join(parts)}")

    def _create_network(self, body: Dict[str, Any]) -> Dict[str, Any]:
        name = body["Name"]
        # As engines before API 1.44: a second network of the same name unless asked to check.
        if body.get("CheckDuplicate") and any(n["Name"] == name for n in self.networks.values()):
            raise EngineRefusal(409, f"network with name {name} already exists")
        network_id = f"{len(self.networks) + 1:064x}"
        self.networks[network_id] = {
            "Id": network_id,
            "Name": name,
            "Driver": body.get("Driver", "bridge"),
            "Labels": body.get("Labels") or {},
            "IPAM": body["IPAM"],
            "Containers": {},
        }
        return {"Id": network_id, "Warning": ""}

    def _remove_network(self, ref: str) -> Tuple[int, Any]:
        network = self._network(ref)
        if network["Containers"]:
            raise EngineRefusal(
                403, f"error while removing network: network {network['Name']} id {network['Id']} has active endpoints"
            )
        del self.networks[network["Id"]]
        return 204, None

    def _connect(self, network: Dict[str, Any], container: Dict[str, Any], endpoint: Dict[str, Any]) -> Tuple[int, Any]:
        attached = container["NetworkSettings"]["Networks"]
        if network["Name"] in attached:
            raise EngineRefusal(
                403, f"endpoint with name {container['Name'].lstrip('/')} already exists in network {network['Name']}"
            )
        address = (endpoint.get("IPAMConfig") or {}).get("IPv4Address")
        if address is None:
            self._next_host += 1
            address = str(ipaddress.IPv4Address("192.168.0.0") + self._next_host)
        attached[network["Name"]] = {
            "NetworkID": network["Id"],
            "IPAddress": address,
            "MacAddress": "02:42:c0:a8:00:02",
            "Aliases": endpoint.get("Aliases"),
        }
        return 200, None

    def _disconnect(self, network: Dict[str, Any], container: Dict[str, Any]) -> Tuple[int, Any]:
        if container["NetworkSettings"]["Networks"].pop(network["Name"], None) is None:
            raise EngineRefusal(500, f"container {container['Id']} is not connected to network {network['Name']}")
        return 200, None


def _handler_for(engine: FakeEngine) -> type:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as an engine: a client sends its calls on one connection

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else {}
            path = urlsplit(self.path).path
            versioned = VERSIONED.match(path)
            if versioned:
                engine.api_versions.append(versioned.group(1))
                path = path[versioned.end() :]
            parts = [unquote(p) for p in path.strip("/").split("/")]
            if parts != ["version"]:
                engine.calls.append(f"{self.command} {path}")
            if length:
                engine.bodies.append(body)
            try:
                status, answer = engine.answer(self.command, parts, body)
            except EngineRefusal as refusal:
                status, answer = refusal.status, {"message": str(refusal)}
            payload = b"" if answer is None else json.dumps(copy.deepcopy(answer)).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped waiting (a short timeout), as it may with a slow engine

        do_GET = do_POST = do_DELETE = _serve

        def address_string(self) -> str:
            return "fake-engine"  # a Unix socket has no client address

        def log_message(self, *_args: Any) -> None:
            pass

    return Handler


P = TypeVar("P", bound=EngineProvider)


def on_fake_engine(provider_class: Type[P], engine: FakeEngine) -> P:
    """The provider, talking to `engine` instead of DOCKER_HOST's."""
    provider = provider_class()
    provider._client = engine.client  # type: ignore[method-assign]
    return provider
