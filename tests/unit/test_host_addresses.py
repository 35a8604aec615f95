"""Addresses to publish on that the engine's host does not have are refused at preview: the host's addresses
from a routing table, the engine's serving process from its socket, and the stacks refusing before anything
is registered."""

import ipaddress
import os
import socket
from pathlib import Path
from typing import FrozenSet, Iterator

import pulumi
import pytest

from components.engine import host_addresses
from components.engine.host_addresses import (
    engine_host_addresses,
    local_addresses,
    require_engine_host_address,
    socket_server_pid,
)
from components.errors import ConfigError
from scenarios import bridge, redis

from .doubles.pulumi_mocks import run_program

# /proc/net/fib_trie as older kernels print it, a Local table apart from Main (newer ones print Main only).
FIB_TRIE = """\
Main:
  +-- 0.0.0.0/0 3 0 5
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 127.0.0.0/8 2 0 2
        +-- 127.0.0.0/31 1 0 0
           |-- 127.0.0.0
              /8 host LOCAL
           |-- 127.0.0.1
              /32 host LOCAL
        |-- 127.255.255.255
           /32 link BROADCAST
     +-- 192.0.2.0/24 2 0 2
        |-- 192.0.2.0
           /24 link UNICAST
        |-- 192.0.2.10
           /32 host LOCAL
        |-- 192.0.2.255
           /32 link BROADCAST
Local:
  +-- 0.0.0.0/0 3 0 5
     |-- 192.0.2.10
        /32 host LOCAL
     |-- 198.51.100.7
        /32 host LOCAL
"""
HOST = frozenset(ipaddress.IPv4Address(a) for a in ("127.0.0.1", "192.0.2.10", "198.51.100.7"))


def test_the_hosts_own_addresses_are_the_local_host_routes():
    assert local_addresses(FIB_TRIE) == HOST
    assert local_addresses("") == frozenset()


def test_this_machines_addresses_have_loopback():
    found = host_addresses.namespace_addresses()
    assert found is not None and ipaddress.IPv4Address("127.0.0.1") in found


def _never_asked() -> FrozenSet[ipaddress.IPv4Address]:
    raise AssertionError("127.0.0.1 and 0.0.0.0 need no look-up")


@pytest.mark.parametrize("address", ["127.0.0.1", "0.0.0.0"])
def test_loopback_and_every_interface_are_always_fine(address):
    require_engine_host_address("docker-networking:redis.bindAddress", address, _never_asked)


def test_an_address_of_the_host_is_fine():
    require_engine_host_address("docker-networking:redis.bindAddress", "198.51.100.7", lambda: HOST)


def test_an_address_the_host_does_not_have_is_refused_with_the_ones_it_has():
    with pytest.raises(ConfigError) as caught:
        require_engine_host_address("docker-networking:redis.bindAddress", "10.99.99.99", lambda: HOST)
    error = caught.value
    assert error.setting == "docker-networking:redis.bindAddress"
    assert error.problem.startswith("10.99.99.99 is not an address of the engine's host")
    assert error.fix == (
        "use 127.0.0.1 (this machine only), 0.0.0.0 (every interface) or one of the host's addresses: "
        "192.0.2.10, 198.51.100.7"
    )


def test_a_host_that_cannot_be_asked_is_not_checked():
    require_engine_host_address("docker-networking:bridge.publishAddress", "10.99.99.99", lambda: None)


@pytest.mark.parametrize("docker_host", ["tcp://build-box:2376", "ssh://admin@build-box"])
def test_a_remote_engines_host_is_not_asked(docker_host):
    assert engine_host_addresses({"DOCKER_HOST": docker_host}) is None


def test_a_docker_host_the_project_cannot_use_is_left_to_the_engine_check():
    assert engine_host_addresses({"DOCKER_HOST": "npipe:////./pipe/docker_engine"}) is None


@pytest.fixture
def served_socket(tmp_path: Path) -> Iterator[str]:
    """A unix socket this test process listens on, as an engine listens on its own."""
    path = str(tmp_path / "engine.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(path)
        server.listen(1)
        yield path


def test_the_process_serving_a_socket_is_known_by_its_credentials(served_socket, tmp_path):
    assert socket_server_pid(served_socket) == os.getpid()
    assert socket_server_pid(str(tmp_path / "nobody-listens.sock")) is None


def test_a_local_engines_host_has_this_namespaces_addresses_and_its_own(served_socket, monkeypatch):
    asked = []

    def namespace_addresses(pid: str = "self"):
        asked.append(pid)
        return HOST if pid == "self" else frozenset({ipaddress.IPv4Address("10.199.31.2")})

    monkeypatch.setattr(host_addresses, "namespace_addresses", namespace_addresses)
    found = engine_host_addresses({"DOCKER_HOST": f"unix://{served_socket}"})
    assert asked == ["self", str(os.getpid())]
    assert found == HOST | {ipaddress.IPv4Address("10.199.31.2")}  # an engine in a namespace of its own


def test_no_routing_table_means_no_check(monkeypatch, tmp_path):
    monkeypatch.setattr(host_addresses, "namespace_addresses", lambda pid="self": None)
    assert engine_host_addresses({"DOCKER_HOST": f"unix://{tmp_path}/docker.sock"}) is None


# --- the stacks: refused before anything is registered ----------------------------------------------------


@pytest.fixture
def engine_host(monkeypatch) -> None:
    monkeypatch.setattr(host_addresses, "engine_host_addresses", lambda: HOST)


@pytest.mark.parametrize(
    "builder, config, setting_key",
    [
        (redis.build, {"scenario": "redis", "redis": {"bindAddress": "10.99.99.99"}}, "redis.bindAddress"),
        (bridge.build, {"scenario": "bridge", "bridge": {"publishAddress": "10.99.99.99"}}, "bridge.publishAddress"),
    ],
)
def test_a_stack_publishing_on_an_address_its_host_lacks_registers_nothing(engine_host, builder, config, setting_key):
    deployment, error = run_program(
        lambda: builder(pulumi.Config()), config, stack=config["scenario"], expect=ConfigError
    )
    assert error.setting == f"docker-networking:{setting_key}"
    assert "198.51.100.7" in error.fix
    assert deployment.resources == []


def test_a_stack_publishing_on_an_address_of_its_host_deploys(engine_host, fake_inventory):
    config = {"scenario": "bridge", "bridge": {"publishAddress": "198.51.100.7"}}
    deployment, _ = run_program(lambda: bridge.build(pulumi.Config()), config, stack="bridge")
    assert sorted(deployment.containers()) == ["tomcat01", "tomcat02"]
