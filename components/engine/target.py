"""One engine for the whole program, and one the project supports.

The docker CLI, docker-py and the project's own providers and checks (DockerNetwork, NetworkConnection,
the Redis formation, the subnet check) resolve the engine as endpoint.py does: DOCKER_HOST, else
DOCKER_CONTEXT, else the current context (`docker context use`), else the local socket.
pulumi-docker's provider (the Terraform docker provider underneath) has its own order: the stack
setting `docker:context`, else DOCKER_CONTEXT, looked up in ~/.docker of the user's passwd entry (not
DOCKER_CONFIG, and without the context's TLS files); else `docker:host`, else DOCKER_HOST, else the
local socket; the current context it never reads. Where the two would differ, the network would be
created on one engine and the containers on another, so the program stops before anything is created,
naming the variable or setting and the fix: `eval "$(make -s env)"` exports a context's engine as
DOCKER_HOST, which every part reads alike.
"""

import os
import pwd
from dataclasses import dataclass
from typing import Mapping, Optional

from components.engine.client import EngineClient, config_error
from components.engine.contexts import DEFAULT_CONTEXT, StoreError, read_context
from components.engine.endpoint import (
    CONTEXT_VARIABLE,
    DEFAULT_HOST,
    FROM_CURRENT_CONTEXT,
    FROM_HOST,
    HOST_VARIABLE,
    Endpoint,
    EndpointError,
    resolve_endpoint,
    shell_exports,
)
from components.errors import ConfigError

HOST_SETTING = "docker:host"
CONTEXT_SETTING = "docker:context"


@dataclass(frozen=True)
class ProviderSettings:
    """The stack settings with which pulumi-docker's provider chooses its engine."""

    host: Optional[str] = None
    context: Optional[str] = None


def provider_home(environ: Mapping[str, str]) -> str:
    """The home pulumi-docker's provider reads contexts under: the passwd entry's (Go's user.Current)."""
    try:
        return pwd.getpwuid(os.getuid()).pw_dir
    except KeyError:
        return environ.get("HOME") or os.path.expanduser("~")


def _export_fix(endpoint: Endpoint) -> str:
    exports = "; ".join(shell_exports(endpoint))
    return f'eval "$(make -s env)", which exports that engine for every part of the stack ({exports})'


def _host_setting_refused(setting: str, endpoint: Endpoint, environ: Mapping[str, str]) -> ConfigError:
    try:
        resolve_endpoint({**environ, HOST_VARIABLE: setting})
        fix = (
            f"remove it (pulumi config rm {HOST_SETTING}) and export DOCKER_HOST={setting} before running "
            "pulumi, so every part of the stack talks to the same engine"
        )
    except EndpointError as unusable:  # exporting it would not do: say what would
        fix = f"remove it (pulumi config rm {HOST_SETTING}); then {unusable.fix}"
    return ConfigError(
        HOST_SETTING,
        f"it is {setting!r} but the project's own providers use {endpoint.described}, and they read the "
        "environment only",
        fix,
    )


def _context_refused(context: str, named_by: str, endpoint: Endpoint, home: str) -> Optional[ConfigError]:
    """Why pulumi-docker's provider, reading the context `context`, would not use `endpoint`; None if it would."""
    if context == DEFAULT_CONTEXT:
        return ConfigError(
            named_by,
            "it is 'default', which pulumi-docker's provider looks up as a context of that name and does not "
            "find (the docker CLI means DOCKER_HOST or the local socket by it)",
            f"pulumi config rm {CONTEXT_SETTING}" if named_by == CONTEXT_SETTING else "unset DOCKER_CONTEXT",
        )
    store = os.path.join(home, ".docker")
    try:
        stored = read_context(store, context)
    except StoreError as error:
        return ConfigError(
            named_by, f"pulumi-docker's provider reads contexts from a damaged store: {error}", "repair it"
        )
    provider_host = stored.host if stored else None
    if named_by == CONTEXT_SETTING and endpoint.context != context:
        if provider_host == endpoint.host:
            return None
        return ConfigError(
            CONTEXT_SETTING,
            f"it names the context '{context}' ({provider_host or 'not found'}), but the project's own "
            f"providers read the environment only and use {endpoint.described}",
            f"remove it (pulumi config rm {CONTEXT_SETTING}) and export DOCKER_CONTEXT={context}",
        )
    if endpoint.origin == FROM_HOST:
        if provider_host == endpoint.host:
            return None
        return ConfigError(
            CONTEXT_VARIABLE,
            f"it names the context '{context}' ({provider_host or 'not found'}) while DOCKER_HOST is "
            f"{endpoint.host}: the docker CLI and the project's own providers use DOCKER_HOST, "
            "pulumi-docker's provider the context",
            "unset one of them (unset DOCKER_CONTEXT to use DOCKER_HOST)",
        )
    if stored is None:
        problem = f"pulumi-docker's provider looks for contexts in {store} only and finds no '{context}' there"
    elif provider_host != endpoint.host:
        problem = f"the context '{context}' in {store}, where pulumi-docker's provider looks, names {provider_host}"
    elif endpoint.tls is not None:
        problem = f"the context '{context}' uses TLS, and pulumi-docker's provider takes no TLS files from a context"
    else:
        return None
    return ConfigError(named_by, problem, _export_fix(endpoint))


def require_one_engine(settings: ProviderSettings, environ: Mapping[str, str], home: Optional[str] = None) -> Endpoint:
    """The engine. Raises before anything is registered when DOCKER_HOST or the context cannot be used, or
    pulumi-docker's provider would talk to another engine than the project's own providers."""
    try:
        endpoint = resolve_endpoint(environ)
    except EndpointError as error:
        raise config_error(error) from None
    context = settings.context or environ.get(CONTEXT_VARIABLE)
    if context:
        named_by = CONTEXT_SETTING if settings.context else CONTEXT_VARIABLE
        refused = _context_refused(context, named_by, endpoint, home or provider_home(environ))
        if refused:
            raise refused
        return endpoint
    provider_host = settings.host or environ.get(HOST_VARIABLE) or DEFAULT_HOST
    if provider_host == endpoint.host:
        return endpoint
    if settings.host:
        raise _host_setting_refused(settings.host, endpoint, environ)
    assert endpoint.origin == FROM_CURRENT_CONTEXT  # DOCKER_HOST and no context give the same host to both
    raise ConfigError(
        CONTEXT_VARIABLE,
        f"the current Docker context is '{endpoint.context}' ({endpoint.host}, from docker context use), which "
        f"pulumi-docker's provider does not read: it would use {provider_host}",
        _export_fix(endpoint) + ("" if endpoint.tls else f"; or export DOCKER_CONTEXT={endpoint.context}"),
    )


def require_supported_engine(endpoint: Endpoint) -> None:
    """The program's first question to the engine: EngineTooOld (a ConfigError) for one older than the oldest
    the project supports (client.MIN_DOCKER_VERSION), EngineUnreachable when nothing answers."""
    with EngineClient(endpoint) as client:
        client.version()
