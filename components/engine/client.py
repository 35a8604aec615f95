"""The engine client of the project's own providers and checks, on docker-py.

They make a handful of calls: list, inspect, create and remove networks, inspect, list and remove
containers, connect and disconnect them, inspect and remove volumes, ask the engine's version and Swarm,
and whether it has an image or can get it from the image's registry. The engine is the one endpoint.py
resolves (DOCKER_HOST, a Docker context, else the local socket), reached through docker-py: unix:// and
tcp:// (with TLS) by its own transports, ssh:// through the system's ssh client (ssh_transport.py).

A client asks the engine nothing until its first call; docker-py is imported then (docker_api.py).
Use it in a `with` block, which closes its connections (over ssh, its ssh process) when the provider
operation or check that made it is done. Dynamic providers are pickled into the state, so they hold
no client: each operation makes its own.
"""

from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, TypeVar, cast

import pulumi

from components.engine.endpoint import Endpoint, EndpointError, resolve_endpoint
from components.errors import ConfigError

TIMEOUT_SECONDS = 60
# The oldest engine the project supports: Docker 20.10, which speaks API 1.41 (Debian 12's docker.io).
MIN_DOCKER_VERSION = "20.10"
MIN_API_VERSION = "1.41"

T = TypeVar("T")


class EngineError(Exception):
    """The engine refused a call; `message` is the engine's own explanation."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class NotFound(EngineError):
    """No such network, container or image."""


class RegistryTimeout(EngineError):
    """The engine did not hear back from an image's registry in the time it was given."""


class EngineUnreachable(pulumi.RunError):
    """Nothing answered at the engine's address (a RunError: the CLI shows the message, no traceback)."""


class EngineTooOld(ConfigError):
    """The engine is older than the oldest the project supports."""


def config_error(error: EndpointError) -> ConfigError:
    return ConfigError(error.setting, error.problem, error.fix)


def api_version_tuple(version: str) -> Tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def _reason(error: BaseException) -> str:
    """The innermost cause of a transport error, as a person reads it ("Connection refused")."""
    inner = error
    while True:
        nested = next((arg for arg in inner.args if isinstance(arg, BaseException)), None)
        nested = nested or getattr(inner, "reason", None)
        if not isinstance(nested, BaseException) or nested is inner:
            break
        inner = nested
    if isinstance(inner, OSError) and inner.strerror:
        return inner.strerror
    return str(inner) or type(inner).__name__


def _explanation(error: Any) -> str:
    explanation = error.explanation
    if isinstance(explanation, bytes):
        explanation = explanation.decode(errors="replace")
    return str(explanation or error)


class EngineClient:
    """The calls the project makes, on one engine."""

    def __init__(self, endpoint: Optional[Endpoint] = None, timeout: int = TIMEOUT_SECONDS) -> None:
        if endpoint is None:
            try:
                endpoint = resolve_endpoint()
            except EndpointError as error:
                raise config_error(error) from None
        self.endpoint = endpoint
        self.timeout = timeout
        self._api: Any = None  # a docker.APIClient once the engine has been asked
        self._ssh_failures: List[str] = []  # what ssh said when it exited with an error

    def __enter__(self) -> "EngineClient":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._api is not None:
            self._api.close()
            self._api = None

    def _unreachable(self, error: BaseException) -> EngineUnreachable:
        reason = (self._ssh_failures[-1] if self._ssh_failures else _reason(error)).rstrip(".")
        return EngineUnreachable(
            f"no answer from the Docker engine at {self.endpoint.described}: {reason}. "
            f"Fix: {self.endpoint.unreachable_fix()}"
        )

    def _too_old(self, docker_version: Optional[str], api_version: str) -> EngineTooOld:
        engine = f"Docker {docker_version}" if docker_version else "a Docker engine"
        return EngineTooOld(
            self.endpoint.setting,
            f"the engine at {self.endpoint.described} is {engine} (API {api_version}); the project supports "
            f"Docker {MIN_DOCKER_VERSION} (API {MIN_API_VERSION}) and newer",
            f"upgrade that engine to Docker {MIN_DOCKER_VERSION} or newer, or point {self.endpoint.setting} "
            "at one that is",
        )

    def _open(self) -> Any:
        if self._api is not None:
            return self._api
        import docker.errors
        import requests

        from components.engine import docker_api

        try:
            api = docker_api.open_api(self.endpoint, self.timeout, self._ssh_failures)
        except docker.errors.InvalidVersion:  # below what docker-py speaks (API 1.24, Docker 1.12)
            raise self._too_old(None, "older than 1.24") from None
        except (requests.exceptions.RequestException, docker.errors.DockerException, OSError) as error:
            # docker-py wraps what failed while it asked the engine's version: name that.
            raise self._unreachable(error.__cause__ or error) from None
        if api_version_tuple(api.api_version) < api_version_tuple(MIN_API_VERSION):
            try:
                docker_version = docker_api.product_version(api)
            except (requests.exceptions.RequestException, docker.errors.DockerException):
                docker_version = None  # the API version alone says enough
            finally:
                api.close()
            raise self._too_old(docker_version, api.api_version)
        self._api = api
        return api

    def _run(self, call: Callable[[Any], T]) -> T:
        """One engine call; NotFound or EngineError for a refusal, EngineUnreachable when nothing answers."""
        api = self._open()
        import docker.errors
        import requests

        try:
            return call(api)
        except docker.errors.NotFound as error:
            raise NotFound(404, _explanation(error)) from None
        except docker.errors.APIError as error:
            raise EngineError(error.status_code or 500, _explanation(error)) from None
        except requests.exceptions.RequestException as error:
            raise self._unreachable(error) from None

    def version(self) -> Dict[str, Any]:
        """The engine's /version: Version, ApiVersion, MinAPIVersion, ..."""
        return self._run(lambda api: api.version())

    def networks(self) -> List[Dict[str, Any]]:
        return self._run(lambda api: api.networks())

    def network(self, name_or_id: str) -> Dict[str, Any]:
        return self._run(lambda api: api.inspect_network(name_or_id))

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
        # A plain mapping, not docker.types.IPAMConfig, which sends null for every pool field left out.
        ipam = cast(Any, {"Driver": "default", "Config": [pool]})
        # check_duplicate: engines before API 1.44 otherwise create a second network of the same name.
        created = self._run(
            lambda api: api.create_network(
                name, driver=driver, ipam=ipam, check_duplicate=True, labels=dict(labels or {})
            )
        )
        return str(created["Id"])

    def remove_network(self, name_or_id: str) -> None:
        self._run(lambda api: api.remove_network(name_or_id))

    def container(self, name_or_id: str) -> Dict[str, Any]:
        return self._run(lambda api: api.inspect_container(name_or_id))

    def containers(self) -> List[Dict[str, Any]]:
        """The running containers, as `docker ps` lists them (Names, Ports, Labels, ...)."""
        return self._run(lambda api: api.containers())

    def remove_container(self, name_or_id: str) -> None:
        """Removed at once, running or not (`docker rm -f`): its processes get no stop signal to act on."""
        self._run(lambda api: api.remove_container(name_or_id, force=True))

    def volume(self, name: str) -> Dict[str, Any]:
        return self._run(lambda api: api.inspect_volume(name))

    def remove_volume(self, name: str) -> None:
        self._run(lambda api: api.remove_volume(name))

    def connect(
        self, network: str, container: str, ipv4_address: Optional[str] = None, aliases: Sequence[str] = ()
    ) -> None:
        self._run(
            lambda api: api.connect_container_to_network(
                container, network, ipv4_address=ipv4_address or None, aliases=list(aliases) or None
            )
        )

    def disconnect(self, network: str, container: str) -> None:
        self._run(lambda api: api.disconnect_container_from_network(container, network))

    def info(self) -> Dict[str, Any]:
        """The engine's /info: Name, Swarm (LocalNodeState, ControlAvailable, NodeID), ..."""
        return self._run(lambda api: api.info())

    def swarm_nodes(self) -> List[Dict[str, Any]]:
        """The Swarm's nodes, as a manager lists them (Description.Hostname, Spec.Role, Status, ...)."""
        return self._run(lambda api: api.nodes())

    def image(self, name: str) -> Dict[str, Any]:
        """The image `name` as this engine has it (GET /images/{name}/json); NotFound when it has none."""
        return self._run(lambda api: api.inspect_image(name))

    def registry_descriptor(self, name: str, timeout: float) -> Dict[str, Any]:
        """What the image's registry says of `name`, asked through this engine (GET /distribution/{name}/json):
        the engine reaches the registry as its pulls do, and pulls nothing. An EngineError carries the
        engine's explanation when the registry refused or could not be reached; RegistryTimeout when no
        answer came within `timeout` seconds (an engine may wait on a registry far longer)."""
        import requests

        def ask(api: Any) -> Dict[str, Any]:
            previous, api.timeout = api.timeout, timeout  # docker-py reads it for each request
            try:
                return api.inspect_distribution(name)
            except requests.exceptions.ReadTimeout:
                raise RegistryTimeout(504, f"no answer from the registry of {name} within {timeout:g} s") from None
            finally:
                api.timeout = previous

        return self._run(ask)
