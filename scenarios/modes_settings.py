"""The settings of the `modes` scenario and the checks made before anything is created.

The stack's settings are declared once in ModesStackConfig (components/schema.py), its own under
`docker-networking:modes`: hostPort and containerJoins. The parsing and the checks are pure: what the
engine and this machine say comes in through a ModesView (LiveModesView at the end of this module; unit
tests pass a fake), and a problem is a ConfigError naming the setting, raised before anything is
registered, or a warning the program logs.
"""

import os
import socket
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Dict, List, Mapping, Optional, Protocol, Tuple

from components.engine.client import EngineClient, NotFound, config_error
from components.engine.endpoint import EndpointError, resolve_endpoint
from components.errors import ConfigError
from components.labels import NAME_PREFIX_LABEL, PROJECT_LABEL, PROJECT_VALUE, STACK_LABEL, name_prefix_labels
from components.schema import Checked, Object, setting
from components.settings import setting_name
from components.tomcat.container import LOOPBACK, TOMCAT_PORT
from components.tomcat.network_modes import CONTAINER_MODE_PREFIX, HOST, HTTP_PORT_ENV

from .tomcat_settings import HOST_PORT, ImageSettings, TomcatStackConfig, image_settings

SETTING = setting_name("modes")

# The tutorial's names for the containers, one per mode, and the one tomcat-container joins by default.
BRIDGE_CONTAINER = "tomcat-bridge"
NONE_CONTAINER = "tomcat-none"
HOST_CONTAINER = "tomcat-host"
JOINING_CONTAINER = "tomcat-container"
REFERENCE_CONTAINER = "tomcat-reference"
CONTAINERS = (REFERENCE_CONTAINER, BRIDGE_CONTAINER, NONE_CONTAINER, HOST_CONTAINER, JOINING_CONTAINER)
# Containers with a network namespace of their own; joining tomcat-host would be mode host by another name.
JOINABLE = (REFERENCE_CONTAINER, BRIDGE_CONTAINER, NONE_CONTAINER)

DEFAULT_HOST_PORT = TOMCAT_PORT
# tomcat-container's own Tomcat: the namespace it joins has a Tomcat on 8080 already, and ports are shared.
JOINER_PORT = TOMCAT_PORT + 1


def require_joinable(setting: str, value: Any) -> str:
    """A container of the stack that tomcat-container can join (`--net container:<it>`)."""
    choices = f"name one of {', '.join(JOINABLE)} (the tutorial's names, without namePrefix)"
    if value == JOINING_CONTAINER:
        raise ConfigError(setting, f"{JOINING_CONTAINER} cannot join its own network namespace", choices)
    if value == HOST_CONTAINER:
        raise ConfigError(
            setting,
            f"{HOST_CONTAINER} has no namespace of its own: joining it would put "
            f"{JOINING_CONTAINER} in the host's, which is mode host",
            choices,
        )
    if value not in JOINABLE:
        raise ConfigError(setting, f"{value!r} is not a container this stack defines", choices)
    return value


@dataclass(frozen=True)
class ModesConfig:
    host_port: int = setting(
        HOST_PORT,
        "the port tomcat-host's Tomcat listens on, on 127.0.0.1 of the engine's machine, with nothing published; "
        "one in use there is refused",
        DEFAULT_HOST_PORT,
        shown_default=f"`{DEFAULT_HOST_PORT}` (the tutorial's)",
    )
    container_joins: str = setting(
        Checked(require_joinable, "one of " + ", ".join(f"`{name}`" for name in JOINABLE)),
        "the container tomcat-container joins (joining tomcat-host would be mode `host`)",
        REFERENCE_CONTAINER,
    )


@dataclass(frozen=True)
class ModesStackConfig(TomcatStackConfig):
    modes: ModesConfig = setting(Object(ModesConfig), "one Tomcat container per network mode", ModesConfig())


@dataclass(frozen=True)
class ModesSettings:
    image: ImageSettings
    host_port: int = DEFAULT_HOST_PORT
    joins: str = REFERENCE_CONTAINER
    name_prefix: str = ""
    setting: str = SETTING

    def name(self, container: str) -> str:
        """The engine name of one of the tutorial's containers."""
        return self.name_prefix + container

    @property
    def labels(self) -> Dict[str, str]:
        return name_prefix_labels(self.name_prefix)

    @property
    def host_url(self) -> str:
        return f"http://{LOOPBACK}:{self.host_port}/"


def scenario_settings(stack: ModesStackConfig) -> ModesSettings:
    return ModesSettings(
        image=image_settings(stack),
        host_port=stack.modes.host_port,
        joins=stack.modes.container_joins,
        name_prefix=stack.name_prefix,
    )


# --- what the engine and this machine say ------------------------------------------------------------


class ModesView(Protocol):
    engine: str  # the engine's address, for messages
    local: bool  # the engine runs on this machine: its host's ports can be probed here

    def port_is_free(self, port: int) -> bool: ...
    def publishers(self, port: int) -> List[str]: ...
    def container(self, name_or_id: str) -> Optional[Mapping[str, Any]]: ...


def is_own_host_container(facts: Optional[Mapping[str, Any]], stack: str, settings: ModesSettings) -> bool:
    """`docker inspect` of the stack's own tomcat-host, running in the host's namespace on `hostPort`: it holds
    the port because it is deployed already (a preview after `up`, or an update that keeps the port)."""
    if not facts:
        return False
    labels = (facts.get("Config") or {}).get("Labels") or {}
    return (
        labels.get(PROJECT_LABEL) == PROJECT_VALUE
        and labels.get(STACK_LABEL) == stack
        and labels.get(NAME_PREFIX_LABEL, "") == settings.name_prefix
        and (facts.get("HostConfig") or {}).get("NetworkMode") == HOST
        and bool((facts.get("State") or {}).get("Running"))
        and f"{HTTP_PORT_ENV}={settings.host_port}" in ((facts.get("Config") or {}).get("Env") or [])
    )


def check_host_port(settings: ModesSettings, stack: str, view: ModesView) -> Optional[str]:
    """Raises when tomcat-host's port is taken on the engine's host; a warning when that cannot be checked."""
    setting, port, owner = f"{settings.setting}.hostPort", settings.host_port, settings.name(HOST_CONTAINER)
    fix = (
        f"choose a port nothing uses (pulumi config set --path modes.hostPort PORT; `ss -ltn` lists the ones in "
        f"use), or stop what uses {port}"
    )
    publishers = view.publishers(port)
    if publishers:
        raise ConfigError(setting, f"host port {port} is published by the container {publishers[0]}", fix)
    if not view.local:
        return (
            f"setting '{setting}': cannot check that port {port} is free on the engine's machine: the engine "
            f"({view.engine}) is not on this one. If something listens there, {owner}'s Tomcat does not start "
            f"(`docker logs {owner}`: Address already in use)"
        )
    if view.port_is_free(port) or is_own_host_container(view.container(owner), stack, settings):
        return None
    raise ConfigError(
        setting,
        f"port {port} on {LOOPBACK} of this machine is already in use",
        f"{fix} (`ss -ltnp 'sport = :{port}'` names the process)",
    )


def started_at(text: str) -> Tuple[datetime, int]:
    """The engine's RFC 3339 start time with nanoseconds, comparable ("…:56.1Z" is before "…:56.123Z")."""
    whole, _, rest = text.rstrip("Z").partition(".")
    fraction = "".join(ch for ch in rest if ch.isdigit())
    return datetime.fromisoformat(whole), int((fraction + "000000000")[:9])


def stale_namespace_warning(settings: ModesSettings, view: ModesView) -> Optional[str]:
    """A warning when the deployed tomcat-container sits in a network namespace its container no longer has.

    The engine gives a container a new namespace whenever it starts: after a `docker restart` or `stop` of the
    joined container (or its removal) outside Pulumi, tomcat-container keeps the old one, with `lo` only, and
    Pulumi's state sees no change. What Pulumi does itself (replace, destroy) goes in dependency order.
    """
    joiner_name = settings.name(JOINING_CONTAINER)
    joiner = view.container(joiner_name)
    mode = str(((joiner or {}).get("HostConfig") or {}).get("NetworkMode") or "")
    if not joiner or not (joiner.get("State") or {}).get("Running") or not mode.startswith(CONTAINER_MODE_PREFIX):
        return None
    joined_id = mode[len(CONTAINER_MODE_PREFIX) :]
    joined = view.container(joined_id)
    if joined is None:
        return (
            f"{joiner_name} is in the network namespace of a container that no longer exists ({joined_id[:12]}, "
            f"removed outside Pulumi): it has only lo. Fix: pulumi up --refresh (it creates "
            f"{settings.name(settings.joins)} again and replaces {joiner_name} in its namespace)"
        )
    joined_name = str(joined.get("Name", "")).lstrip("/")
    state = joined.get("State") or {}
    restart = f"docker restart {joiner_name} (it joins {joined_name}'s namespace again)"
    if not state.get("Running"):
        what, fix = "is stopped", f"docker start {joined_name}, then {restart}"
    elif started_at(str(state.get("StartedAt", ""))) > started_at(str(joiner["State"].get("StartedAt", ""))):
        what, fix = f"started again after {joiner_name} did", restart
    else:
        return None
    return (
        f"{joiner_name} is in a network namespace {joined_name} no longer has ({joined_name} {what}, outside "
        f"Pulumi): it has only lo. Fix: {fix}"
    )


class LiveModesView:
    """The engine (DOCKER_HOST or the Docker context, see components/engine/endpoint.py) and, for a local
    engine, this machine."""

    def __init__(
        self, environ: Mapping[str, str] = os.environ, client_factory: Callable[[], EngineClient] = EngineClient
    ) -> None:
        try:
            endpoint = resolve_endpoint(environ)
        except EndpointError as error:
            raise config_error(error) from None
        self.engine = endpoint.host
        # A unix socket is this machine's engine (or one forwarded to it, whose ports this probe cannot see:
        # docs/network-modes.md says so).
        self.local = endpoint.is_local
        self._client_factory = client_factory

    def port_is_free(self, port: int) -> bool:
        """Nothing listens on 127.0.0.1:port (nor on 0.0.0.0:port, which holds it too)."""
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            # As Tomcat binds: connections in TIME_WAIT do not stop it, only a listener does.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((LOOPBACK, port))
            except OSError:
                return False
        return True

    def publishers(self, port: int) -> List[str]:
        """Running containers that publish `port` on the engine's host. Without its userland proxy the engine
        holds a published port without listening, so a bind probe alone would find it free."""
        with self._client_factory() as client:
            running = client.containers()
        return sorted(
            {
                str((c.get("Names") or ["?"])[0]).lstrip("/")
                for c in running
                for published in c.get("Ports") or []
                if published.get("PublicPort") == port
            }
        )

    def container(self, name_or_id: str) -> Optional[Mapping[str, Any]]:
        try:
            with self._client_factory() as client:
                return client.container(name_or_id)
        except NotFound:
            return None


def default_modes_view() -> ModesView:
    """The view the modes scenario checks against: the live engine and this machine's ports. The one place
    the scenario gets it from, so unit tests replace this function (with monkeypatch)."""
    return LiveModesView()
