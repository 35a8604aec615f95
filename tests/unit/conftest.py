"""Fixtures shared by the unit tests."""
from typing import Iterator

import pytest

from .fake_engine import FakeEngine


@pytest.fixture
def engine() -> Iterator[FakeEngine]:
    """A fake Docker engine on a Unix socket of its own (see fake_engine)."""
    fake = FakeEngine()
    yield fake
    fake.close()
