"""A real redis-server on a free loopback port, started on a config file the test rendered: no Docker engine.

The config's own `port` and announce ports are overridden on the command line, so a file rendered like a
node's (port 6379) runs beside anything else on this machine.
"""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import List, Optional

import pytest
import redis

from tests.conftest import skipping_allowed


def free_port_pair() -> int:
    """A loopback port p with p + 10000 (the cluster bus) free too."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port + 10000 > 65535:
            continue
        with socket.socket() as bus:
            try:
                bus.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port pair on loopback")


def find_redis_server() -> str:
    """redis-server on PATH; skipped without it on a laptop, failed in CI (the set-up installs it)."""
    found = shutil.which("redis-server")
    if found is None:
        if skipping_allowed() or os.environ.get("CI", "").lower() not in ("1", "true"):
            pytest.skip("redis-server is not installed (apt-get install redis-server)")
        pytest.fail("redis-server is not installed: the set-up must install it (apt-get install redis-server)")
    return found


class RedisServer:
    """`with RedisServer(binary, config, port, password) as client:` a running server and a client of it."""

    def __init__(self, binary: str, config: Path, port: int, password: Optional[str] = None) -> None:
        self.binary, self.config, self.port, self.password = binary, config, port, password
        self.process: Optional["subprocess.Popen[str]"] = None

    def command(self) -> List[str]:
        overrides = {
            "port": str(self.port),
            "bind": "127.0.0.1",
            "cluster-announce-port": str(self.port),
            "cluster-announce-bus-port": str(self.port + 10000),
            "save": "",
            "daemonize": "no",
            "logfile": "",
        }
        return [
            self.binary,
            str(self.config),
            *[arg for key, value in overrides.items() for arg in (f"--{key}", value)],
        ]

    def __enter__(self) -> "redis.Redis":
        self.process = subprocess.Popen(self.command(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        client = redis.Redis(port=self.port, password=self.password, decode_responses=True, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            if self.process.poll() is not None:
                assert self.process.stdout is not None  # stdout=PIPE
                pytest.fail(f"redis-server rejected the config:\n{self.process.stdout.read()}")
            try:
                client.ping()
                return client
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def __exit__(self, *_exc: object) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(timeout=10)
