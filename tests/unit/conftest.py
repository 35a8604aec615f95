"""Fixtures shared by the unit tests."""
from typing import Iterator

import pytest

from .fake_engine import FakeEngine


@pytest.fixture(autouse=True)
def no_real_engine(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Unit tests never reach this machine's engine: DOCKER_HOST names a socket nobody listens on, so a test
    that forgot its fake engine or inventory fails, here as on a machine without Docker."""
    nowhere = tmp_path_factory.getbasetemp() / "no-engine.sock"
    monkeypatch.setenv("DOCKER_HOST", f"unix://{nowhere}")


@pytest.fixture
def engine() -> Iterator[FakeEngine]:
    """A fake Docker engine on a Unix socket of its own (see fake_engine)."""
    fake = FakeEngine()
    yield fake
    fake.close()
