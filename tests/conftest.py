"""Test-suite policy shared by unit and integration tests.

Integration tests need a Docker engine and the Pulumi toolchain (`make setup`). Without them they FAIL:
in CI always, and on a laptop too unless the person asks for skipping with
DOCKER_NETWORKING_SKIP_INTEGRATION=1.
"""

import os
import sys
from pathlib import Path
from typing import Any, Optional

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
# The project's packages (components, scenarios) import like they do in the Pulumi program.
sys.path.insert(0, str(REPO_ROOT))

# They test the project's fallback language host, so they run only where it is the host in use (not
# beside an official Pulumi install). Where it must be in use (CI on the project's machines, which have
# no official one), REQUIRE_FALLBACK_HOST=1 turns its absence into an error instead of a silent gap.
LANGUAGE_HOST_TESTS = "test_language_host.py"
REQUIRE_FALLBACK_HOST = "DOCKER_NETWORKING_REQUIRE_FALLBACK_HOST"
# The tests on the local Swarm (scripts/swarm/swarm.sh): inside Docker 29's namespace (`make test
# ENGINE=29`) its bridge is out of reach, and its engines are Docker 29.8.1 already, so that run leaves
# them out; the run on the machine's engine has them.
SWARM_TESTS = ("test_overlay.py", "test_swarm_redis.py", "test_swarm_unavailable_image.py", "test_soak_swarm.py")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "integration: drives a real Docker engine through the Pulumi CLI")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Parallel workers (pytest-xdist, scripts/test.sh) take whole modules: a module's tests share the stack
    it deployed, in file order. The Swarm's modules share one Swarm (one of them stops its hosts), so they go
    to one worker, one after the other."""
    from xdist.scheduler import LoadScopeScheduling

    class WholeModules(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return "the local Swarm" if Path(path).name in SWARM_TESTS else path

    return WholeModules(config, log)


def skipping_allowed() -> bool:
    return (
        os.environ.get("CI", "").lower() not in ("1", "true")
        and os.environ.get("DOCKER_NETWORKING_SKIP_INTEGRATION") == "1"
    )


def skip_or_fail(reason: str) -> None:
    """An integration test that cannot run fails, unless a person outside CI asked for skipping."""
    if skipping_allowed():
        pytest.skip(reason)
    pytest.fail(reason, pytrace=False)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> Optional[bool]:
    if collection_path.name in SWARM_TESTS and os.environ.get("DOCKER29_NETNS"):
        return True
    if collection_path.name != LANGUAGE_HOST_TESTS:
        return None
    from harness.project_copy import toolchain_env  # the toolchain as `make -s env` sets it up
    from harness.toolchain import language_host_in_use

    host = language_host_in_use(toolchain_env())
    if host.official is False:
        return None
    if os.environ.get(REQUIRE_FALLBACK_HOST) == "1":
        raise pytest.UsageError(
            f"{REQUIRE_FALLBACK_HOST}=1 but the language host in use is {host.path or 'none'}, "
            "not the project's fallback (scripts/toolchain/language-host)"
        )
    return True
