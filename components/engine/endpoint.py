"""Which engine to talk to, resolved once and the same way for every part of the project.

As the docker CLI (and docker-py) resolve it: DOCKER_HOST, else the context DOCKER_CONTEXT names, else
the current context (`docker context use`), else the local socket. An address is unix:///path,
tcp://host[:port] (TLS as DOCKER_TLS_VERIFY, DOCKER_TLS and DOCKER_CERT_PATH say, or a context's TLS
files) or ssh://[user@]host[:port][/remote-socket], reached through the system's ssh client as the
docker CLI reaches it: `ssh ... docker system dial-stdio` on the engine's machine.

Standard library only: scripts/env.sh runs this module (`python -m components.engine.endpoint`) to
print the exports that hand a context's engine to pulumi-docker's provider (see target.py).
"""

import os
import shlex
from dataclasses import dataclass
from typing import List, Mapping, Optional
from urllib.parse import SplitResult, urlsplit

from components.engine.contexts import DEFAULT_CONTEXT, StoreError, config_dir, current_context, read_context

HOST_VARIABLE = "DOCKER_HOST"
CONTEXT_VARIABLE = "DOCKER_CONTEXT"
SSH_OPTS_VARIABLE = "DOCKER_SSH_OPTS"  # extra ssh flags; pulumi-docker's provider reads the same variable
DEFAULT_HOST = "unix:///var/run/docker.sock"
TCP_SCHEMES = ("tcp", "http", "https")
TLS_VARIABLES = ("DOCKER_TLS_VERIFY", "DOCKER_TLS", "DOCKER_CERT_PATH")

# Where an endpoint came from.
FROM_HOST = "DOCKER_HOST"
FROM_CONTEXT = "DOCKER_CONTEXT"
FROM_CURRENT_CONTEXT = "currentContext"
FROM_DEFAULT = "default"

USABLE = "the project reaches engines at unix:///path, tcp://host:port and ssh://user@host addresses"
HOST_FIX = (
    "export DOCKER_HOST=unix:///var/run/docker.sock (or the engine's tcp://host:port or ssh://user@host), "
    "or unset it to use the local engine"
)


class EndpointError(ValueError):
    """An engine address or context the project cannot use; target.py and the client turn it into a
    ConfigError (this module stays free of Pulumi, for scripts/env.sh)."""

    def __init__(self, setting: str, problem: str, fix: str) -> None:
        super().__init__(f"invalid setting '{setting}': {problem}. Fix: {fix}")
        self.setting, self.problem, self.fix = setting, problem, fix


@dataclass(frozen=True)
class TlsSettings:
    cert_dir: str  # ca.pem, cert.pem, key.pem, as DOCKER_CERT_PATH and a context's TLS directory hold them
    verify: bool  # check the engine's certificate against cert_dir/ca.pem


@dataclass(frozen=True)
class Endpoint:
    host: str  # as given: unix://..., tcp://..., ssh://...
    tls: Optional[TlsSettings] = None
    context: Optional[str] = None  # the context it was read from
    origin: str = FROM_DEFAULT

    @property
    def setting(self) -> str:
        """The variable a person changes to point the project elsewhere."""
        return CONTEXT_VARIABLE if self.context else HOST_VARIABLE

    @property
    def scheme(self) -> str:
        return urlsplit(self.host).scheme

    @property
    def is_local(self) -> bool:
        """A unix socket: this machine's engine (or one forwarded to it)."""
        return self.scheme == "unix"

    @property
    def described(self) -> str:
        if self.origin == FROM_CONTEXT:
            return f"{self.host} (the context '{self.context}' that DOCKER_CONTEXT names)"
        if self.origin == FROM_CURRENT_CONTEXT:
            return f"{self.host} (the current Docker context '{self.context}', from docker context use)"
        if self.origin == FROM_HOST:
            return f"{self.host} (DOCKER_HOST)"
        return f"{self.host} (DOCKER_HOST is not set)"

    def unreachable_fix(self) -> str:
        """What to do when nothing answers at this endpoint."""
        if self.scheme == "ssh":
            where = f"{ssh_login(self.host)} docker version"
            check = (
                f"check that `ssh {where}` works without a prompt (your key in ssh-agent or ~/.ssh/config, the "
                "host in known_hosts, docker installed there)"
            )
        else:
            check = "start the engine (dockerd)"
        if self.context:
            return (
                f"{check}, or correct the context (docker context inspect {self.context}), or point "
                f"{CONTEXT_VARIABLE} at another one"
            )
        return f"{check}, or point {HOST_VARIABLE} at it"


def _why_unusable(parts: SplitResult) -> Optional[str]:
    try:
        parts.port  # noqa: B018 - raises for a port that is not a number
    except ValueError:
        return "its port is not a number"
    if parts.scheme == "unix":
        return None if parts.path else "a unix:// address needs the socket's path"
    if parts.scheme in TCP_SCHEMES:
        return None if parts.hostname else "it names no host"
    if parts.scheme == "ssh":
        if not parts.hostname:
            return "it names no host"
        if parts.password is not None:
            return "ssh:// takes no password (use a key)"
        if parts.query or parts.fragment:
            return "ssh:// takes no query or fragment"
        return None
    return USABLE


def _tls_from_environment(parts: SplitResult, environ: Mapping[str, str]) -> Optional[TlsSettings]:
    if parts.scheme not in TCP_SCHEMES:
        return None
    if parts.scheme != "https" and not any(environ.get(name) for name in TLS_VARIABLES):
        return None
    home = environ.get("HOME") or os.path.expanduser("~")
    return TlsSettings(
        cert_dir=environ.get("DOCKER_CERT_PATH") or os.path.join(home, ".docker"),
        verify=bool(environ.get("DOCKER_TLS_VERIFY")),
    )


def _from_docker_host(host: str, environ: Mapping[str, str]) -> Endpoint:
    parts = urlsplit(host)
    reason = _why_unusable(parts)
    if reason:
        raise EndpointError(
            HOST_VARIABLE, f"{host!r} is not an engine address the project can use ({reason})", HOST_FIX
        )
    return Endpoint(host=host, tls=_tls_from_environment(parts, environ), origin=FROM_HOST)


def _missing_context(name: str, origin: str, directory: str) -> EndpointError:
    if origin == FROM_CONTEXT:
        return EndpointError(
            CONTEXT_VARIABLE,
            f"there is no Docker context named '{name}' (looked in {directory}/contexts)",
            f"create it (docker context create {name} --docker host=ssh://user@host), name one that "
            "`docker context ls` lists, or unset DOCKER_CONTEXT",
        )
    return EndpointError(
        CONTEXT_VARIABLE,
        f"the current Docker context '{name}' (currentContext in {directory}/config.json) does not exist",
        "choose one that `docker context ls` lists (docker context use default), or export DOCKER_CONTEXT "
        "or DOCKER_HOST for this shell",
    )


def resolve_endpoint(environ: Mapping[str, str] = os.environ) -> Endpoint:
    """The engine the docker CLI would use with this environment; EndpointError naming DOCKER_HOST or
    DOCKER_CONTEXT, and the fix, for one the project cannot use or a context that does not exist."""
    host = environ.get(HOST_VARIABLE)
    if host:
        return _from_docker_host(host, environ)
    directory = config_dir(environ)
    name, origin = environ.get(CONTEXT_VARIABLE), FROM_CONTEXT
    try:
        if not name:
            name, origin = current_context(directory), FROM_CURRENT_CONTEXT
        stored = read_context(directory, name) if name and name != DEFAULT_CONTEXT else None
    except StoreError as error:
        raise EndpointError(
            CONTEXT_VARIABLE, f"the Docker context store is damaged: {error}", "repair or remove that file"
        ) from None
    if not name or name == DEFAULT_CONTEXT:
        return Endpoint(host=DEFAULT_HOST)
    if stored is None:
        raise _missing_context(name, origin, directory)
    parts = urlsplit(stored.host)
    reason = _why_unusable(parts)
    if reason:
        raise EndpointError(
            CONTEXT_VARIABLE,
            f"the context '{name}' names {stored.host!r}, which the project cannot use ({reason})",
            f"point it at a unix://, tcp:// or ssh:// engine (docker context update {name} --docker "
            "host=ssh://user@host), or use another context",
        )
    tls = None
    if parts.scheme in TCP_SCHEMES and stored.tls_dir:
        tls = TlsSettings(cert_dir=stored.tls_dir, verify=not stored.skip_tls_verify)
    return Endpoint(host=stored.host, tls=tls, context=name, origin=origin)


def ssh_login(host: str) -> str:
    """`[-p PORT] [user@]host`, as a person types it to check the login."""
    parts = urlsplit(host)
    login = f"{parts.username}@{parts.hostname}" if parts.username else str(parts.hostname)
    return f"-p {parts.port} {login}" if parts.port else login


def ssh_command(host: str, environ: Mapping[str, str] = os.environ) -> List[str]:
    """The command that connects to the engine at an ssh:// address, as the docker CLI's connection
    helper builds it (DOCKER_SSH_OPTS first, so a person's options win), with BatchMode: a program run
    by Pulumi has no terminal to answer a prompt on, so a key ssh cannot use fails at once instead."""
    parts = urlsplit(host)
    command = ["ssh"]
    if parts.username:
        command += ["-l", parts.username]
    if parts.port:
        command += ["-p", str(parts.port)]
    command += environ.get(SSH_OPTS_VARIABLE, "").split()
    command += ["-o", "ConnectTimeout=30", "-o", "BatchMode=yes", "-T", "--", str(parts.hostname)]
    remote = ["docker", "system", "dial-stdio"]
    if parts.path.strip("/"):
        remote[1:1] = [f"--host=unix://{parts.path}"]
    return command + [shlex.join(remote)]


def _export(name: str, value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("`", "\\`")
    return f'export {name}="{escaped}"'


def shell_exports(endpoint: Endpoint) -> List[str]:
    """Shell lines that hand an engine chosen by a context to every part of the stack as DOCKER_HOST: the
    docker CLI, docker-py and the project read a context, pulumi-docker's provider does not (see
    target.py). Nothing for an engine DOCKER_HOST or nothing chose."""
    if not endpoint.context:
        return []
    lines = [_export(HOST_VARIABLE, endpoint.host)]
    if endpoint.tls:
        lines.append(_export("DOCKER_CERT_PATH", endpoint.tls.cert_dir))
        lines.append(_export("DOCKER_TLS_VERIFY" if endpoint.tls.verify else "DOCKER_TLS", "1"))
    return lines + [f"unset {CONTEXT_VARIABLE}"]


def main() -> None:
    """For scripts/env.sh. A context that cannot be used prints nothing: the program names it."""
    try:
        endpoint = resolve_endpoint()
    except EndpointError:
        return
    for line in shell_exports(endpoint):
        print(line)


if __name__ == "__main__":
    main()
