"""Test-suite policy shared by unit and integration tests.

Integration tests need a Docker engine and the Pulumi toolchain (`make setup`). Without them they FAIL:
in CI always, and on a laptop too unless the person asks for skipping with
DOCKER_NETWORKING_SKIP_INTEGRATION=1.
"""
import os
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
# The project's packages (components, scenarios) import like they do in the Pulumi program.
sys.path.insert(0, str(REPO_ROOT))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "integration: drives a real Docker engine through the Pulumi CLI")


def skipping_allowed() -> bool:
    return os.environ.get("CI", "").lower() not in ("1", "true") and \
        os.environ.get("DOCKER_NETWORKING_SKIP_INTEGRATION") == "1"


def skip_or_fail(reason: str) -> None:
    """An integration test that cannot run fails, unless a person outside CI asked for skipping."""
    if skipping_allowed():
        pytest.skip(reason)
    pytest.fail(reason, pytrace=False)
