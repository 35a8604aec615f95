"""Whether the engine's host has an address that ports are to be published on.

The engine takes any IPv4 address for a published port when the container is created, and fails only when
it starts it ("bind: cannot assign requested address"): by then `pulumi up` has created the network, the
volumes and the first containers. So a stack's bind or publish address is checked at preview, where the
engine's host can be asked: a local engine (a unix socket). Its addresses are those of this machine's
network namespace and of the namespace of the process that serves the socket, where visible (an engine in
a namespace of its own, as the tests' private engine: scripts/engines/private.sh): an address that neither
has cannot be bound. A remote engine (tcp://, ssh://) is not asked: its host's addresses cannot be read
from here, and the engine itself has no API that lists them.

Standard library only: the addresses come from /proc/<pid>/net/fib_trie (each local address is a "/32
host LOCAL" entry of the routing table), the serving process from the socket's SO_PEERCRED.
"""

import ipaddress
import os
import socket
import struct
from typing import AbstractSet, Callable, FrozenSet, Mapping, Optional
from urllib.parse import urlsplit

from components.engine.endpoint import EndpointError, resolve_endpoint
from components.errors import ConfigError

LOOPBACK = "127.0.0.1"
EVERY_INTERFACE = "0.0.0.0"
Addresses = FrozenSet[ipaddress.IPv4Address]


def local_addresses(fib_trie: str) -> Addresses:
    """The addresses a routing table (/proc/net/fib_trie) lists as this namespace's own."""
    found = set()
    address = None
    for line in fib_trie.splitlines():
        text = line.strip()
        if text.startswith("|-- "):
            address = text[4:]
        elif address and text.startswith("/32 host LOCAL"):
            found.add(ipaddress.IPv4Address(address))
    return frozenset(found)


def namespace_addresses(pid: str = "self") -> Optional[Addresses]:
    """The addresses of the network namespace of process `pid`; None where they cannot be read."""
    try:
        with open(f"/proc/{pid}/net/fib_trie") as table:
            return local_addresses(table.read())
    except (OSError, ValueError):
        return None


def socket_server_pid(path: str) -> Optional[int]:
    """The process that serves the unix socket at `path`, as the kernel recorded it; None where that cannot
    be learnt (nothing listens, or the process is in another PID namespace)."""
    credentials = struct.Struct("3i")  # struct ucred: pid, uid, gid
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(2)
            probe.connect(path)
            pid, _, _ = credentials.unpack(probe.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, credentials.size))
    except (OSError, AttributeError):  # AttributeError: no SO_PEERCRED (not Linux)
        return None
    return pid or None


def engine_host_addresses(environ: Mapping[str, str] = os.environ) -> Optional[Addresses]:
    """The addresses the engine can publish ports on, or None where they cannot be read here. The one place
    the scenarios get them from, so unit tests replace this function (with monkeypatch)."""
    try:
        endpoint = resolve_endpoint(environ)
    except EndpointError:
        return None  # the engine check that follows says what is wrong with it
    if not endpoint.is_local:
        return None  # tcp://, ssh://: another machine's addresses, which nothing here can list
    own = namespace_addresses()
    server = socket_server_pid(urlsplit(endpoint.host).path)
    theirs = namespace_addresses(str(server)) if server else None
    if own is None and theirs is None:
        return None
    return (own or frozenset()) | (theirs or frozenset())


def require_engine_host_address(
    setting: str, address: str, addresses: Optional[Callable[[], Optional[AbstractSet[ipaddress.IPv4Address]]]] = None
) -> None:
    """ConfigError when the engine's host cannot have ports published on `address` (already an IPv4 address);
    `addresses` lists the host's (None: engine_host_addresses). 127.0.0.1 and 0.0.0.0 always can, and are not
    looked up."""
    if address in (LOOPBACK, EVERY_INTERFACE):
        return
    known = (addresses or engine_host_addresses)()
    if known is None or ipaddress.IPv4Address(address) in known:
        return
    others = ", ".join(str(a) for a in sorted(known) if not a.is_loopback)
    raise ConfigError(
        setting,
        f"{address} is not an address of the engine's host, so publishing a port there would fail once the "
        "containers exist",
        f"use {LOOPBACK} (this machine only), {EVERY_INTERFACE} (every interface)"
        + (f" or one of the host's addresses: {others}" if others else ""),
    )
