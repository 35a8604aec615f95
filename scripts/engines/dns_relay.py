#!/usr/bin/env python3
"""The machine's DNS servers, answering inside the Docker 29 engine's network namespace.

Containers on the default bridge use the machine's /etc/resolv.conf nameservers, and the engine's embedded
DNS forwards other names to them; from inside the namespace those addresses are unreachable, so a name
that does not exist fails after a 5 s timeout with "Temporary failure in name resolution" where the main
engine's containers get "Name or service not known" at once. This relay listens inside the namespace on
each nameserver's own address (scripts/engines/docker29.sh puts it on the namespace's loopback) and
sends every query, unchanged, to that same address from the machine's namespace: lookups behave as on
the host. UDP only (what resolvers use unless an answer is truncated).

Usage: dns_relay.py NETNS_FILE ADDRESS...   (root; runs until SIGTERM)
"""

import ctypes
import os
import selectors
import signal
import socket
import sys
import time
from typing import Callable, Dict, List, Tuple

CLONE_NEWNET = 0x40000000
QUERY_TIMEOUT = 5.0
_libc = ctypes.CDLL(None, use_errno=True)


def setns(fd: int) -> None:
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"setns: {os.strerror(error)}")


def listeners_inside(netns_file: str, addresses: List[str]) -> List[socket.socket]:
    """UDP sockets bound to ADDRESS:53 in the namespace; the process returns to its own namespace after."""
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    target = os.open(netns_file, os.O_RDONLY)
    try:
        setns(target)
        sockets = []
        for address in addresses:
            listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            listener.bind((address, 53))
            listener.setblocking(False)
            sockets.append(listener)
        return sockets
    finally:
        setns(home)  # sockets keep the namespace they were made in; new ones are the machine's
        os.close(target)
        os.close(home)


def same_address(listener: socket.socket) -> Tuple[str, int]:
    """Where a query that came to LISTENER goes: its own address, port 53, from the machine's namespace."""
    return listener.getsockname()[0], 53


def serve(
    listeners: List[socket.socket], upstream_of: Callable[[socket.socket], Tuple[str, int]] = same_address
) -> None:
    selector = selectors.DefaultSelector()
    for listener in listeners:
        selector.register(listener, selectors.EVENT_READ, None)
    # upstream socket -> (listener, client address, deadline)
    pending: Dict[socket.socket, Tuple[socket.socket, tuple, float]] = {}
    while True:
        for key, _ in selector.select(timeout=1.0):
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            if sock in pending:
                listener, client, _deadline = pending.pop(sock)
                selector.unregister(sock)
                try:
                    listener.sendto(sock.recv(65535), client)
                except OSError:
                    pass
                sock.close()
                continue
            try:
                query, client = sock.recvfrom(65535)
            except OSError:
                continue
            upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            upstream.setblocking(False)
            try:
                upstream.connect(upstream_of(sock))
                upstream.send(query)
            except OSError:
                upstream.close()
                continue
            pending[upstream] = (sock, client, time.monotonic() + QUERY_TIMEOUT)
            selector.register(upstream, selectors.EVENT_READ, None)
        now = time.monotonic()
        for upstream in [u for u, (_l, _c, deadline) in pending.items() if deadline < now]:
            pending.pop(upstream)
            selector.unregister(upstream)
            upstream.close()


def main(argv: List[str]) -> int:
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    serve(listeners_inside(argv[1], argv[2:]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
