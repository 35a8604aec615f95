"""The Docker engine itself restarted under a redis stack: every node back with every key, and `pulumi up
--refresh` finds nothing to create, replace or delete.

The engine restarted is one of the test's own (private_engine.py: the engine under test once more, in a
network namespace of its own, its ports published on the far end of a veth pair), never the one the rest
of the suite, or a person's stacks, run on. Recovery times are printed ("TIMING ..."), never asserted.
"""

from pathlib import Path
from typing import Iterator

import pytest

from harness.isolation import RunIsolation
from harness.project_copy import make_project_copy
from harness.waiting import wait_until
from tests.integration import private_engine
from tests.integration.conftest import ProjectWorkspace
from tests.integration.fault_stack import RECOVERY_LIMIT_SECONDS, Faults, Recorded
from tests.integration.private_engine import PrivateEngine
from tests.integration.redis_checks import timed

pytestmark = pytest.mark.integration

STACK = "redis-restart"
FORMATION = "redis-formation"


@pytest.fixture(scope="module")
def engine_of_its_own(toolchain_env) -> Iterator[PrivateEngine]:
    engine = private_engine.start()
    try:
        yield engine
    finally:
        private_engine.purge()


@pytest.fixture(scope="module")
def stack(engine_of_its_own: PrivateEngine, run: RunIsolation, tmp_path_factory) -> Iterator[Faults]:
    """The shipped redis stack on that engine, as the run isolates it, its ports on the engine's address."""
    root, env = make_project_copy(Path(tmp_path_factory.mktemp("private-engine")), passphrase="private-engine")
    env["DOCKER_HOST"] = engine_of_its_own.docker_host
    workspace = ProjectWorkspace(root, env, run)
    redis = {"bindAddress": engine_of_its_own.address}
    faults = Faults(project=workspace, stack=workspace.stack(STACK, {"scenario": "redis", "redis": redis}))
    try:
        yield faults
    finally:
        workspace.destroy_all()


def test_restarting_the_engine_itself_stops_and_starts_dockerd_and_loses_nothing(
    stack: Faults, engine_of_its_own: PrivateEngine
):
    stack.restore()
    answered = engine_of_its_own.restart()
    print(f"TIMING engine restart: docker info answers again after {answered:.1f}s")
    took = wait_until("the cluster after an engine restart", stack.problems, RECOVERY_LIMIT_SECONDS)
    print(f"TIMING engine restart -> cluster ok with every key (after the engine answered): {took:.1f}s")
    stack.assert_whole()
    # Nothing to create, replace or delete. The formation may be re-verified (an update that changes
    # nothing, well under a second): the nodes' live roles can differ after the restart.
    done = Recorded()
    timed(
        "after the engine restart: up --refresh", lambda: stack.stack.up(on_output=print, on_event=done, refresh=True)
    )
    print(f"after the engine restart, up did: {done.steps} (changed: {done.diffs})")
    assert set(done.steps) <= {("update", stack.run.name(FORMATION))}
    stack.assert_whole()
