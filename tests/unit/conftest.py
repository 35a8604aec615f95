"""Fixtures shared by the unit tests; the doubles themselves are in doubles/."""

from typing import Any, Dict, Iterator, Mapping

import pytest

from components.engine import inventory as engine_inventory
from components.swarm import facts as swarm_facts
from components.swarm.facts import EXPORTED_ENGINES_VARIABLE

from .doubles.engine_api import FakeEngine
from .doubles.inventory import FakeInventory
from .doubles.redis_server import find_redis_server
from .doubles.swarm import NODES, FakeSwarm


@pytest.fixture(autouse=True)
def no_real_engine(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Unit tests never reach this machine's engine: DOCKER_HOST names a socket nobody listens on, so a test
    that forgot its fake engine or inventory fails, here as on a machine without Docker. Nor do they read
    the person's docker contexts or TLS settings: DOCKER_CONFIG is an empty directory."""
    nowhere = tmp_path_factory.getbasetemp() / "no-engine.sock"
    monkeypatch.setenv("DOCKER_HOST", f"unix://{nowhere}")
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path_factory.mktemp("docker-config")))
    for name in ("DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_TLS", "DOCKER_CERT_PATH", "DOCKER_SSH_OPTS"):
        monkeypatch.delenv(name, raising=False)
    # Nor the local Swarm's engines, which `eval "$(make -s swarm-env)"` may have exported in this shell.
    monkeypatch.delenv(EXPORTED_ENGINES_VARIABLE, raising=False)


@pytest.fixture
def engine() -> Iterator[FakeEngine]:
    """A fake Docker engine on a Unix socket of its own (see doubles/engine_api.py)."""
    fake = FakeEngine()
    yield fake
    fake.close()


@pytest.fixture
def fake_inventory(monkeypatch: pytest.MonkeyPatch) -> FakeInventory:
    """The inventory components use when their args name none: a fake (docker0 and no host route) instead
    of this machine's engine and routes, so whole scenarios run as they do in a program."""
    inventory = FakeInventory()
    monkeypatch.setattr(engine_inventory, "default_inventory", lambda: inventory)
    return inventory


@pytest.fixture
def fake_swarm(monkeypatch: pytest.MonkeyPatch) -> FakeSwarm:
    """The Swarm the Swarm stacks check against: a fake manager and two workers (doubles/swarm.py)."""
    swarm = FakeSwarm()

    def default_swarm(node_engines: Mapping[str, Any]) -> FakeSwarm:
        swarm.asked_for_engines = sorted(node_engines)
        return swarm

    monkeypatch.setattr(swarm_facts, "default_swarm", default_swarm)
    return swarm


@pytest.fixture
def redis_server_binary() -> str:
    """A real redis-server to start on rendered configs (doubles/redis_server.py); no engine needed."""
    return find_redis_server()


@pytest.fixture
def engines() -> Iterator[Dict[str, FakeEngine]]:
    """One fake engine per node of the fake Swarm (doubles/swarm.py), with no image and no registry that
    answers, closed afterwards."""
    fakes = {hostname: FakeEngine() for hostname in NODES}
    yield fakes
    for fake in fakes.values():
        fake.close()
