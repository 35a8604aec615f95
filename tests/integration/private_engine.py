"""An engine of the tests' own, for a test that stops or restarts one (scripts/engines/private.sh): the same
binaries as the engine under test, in a network namespace of its own, never an engine a person uses."""

import os
import subprocess
import time
from dataclasses import dataclass
from typing import Dict

from harness.project_copy import REPO_ROOT
from tests.conftest import skip_or_fail

SCRIPT = REPO_ROOT / "scripts" / "engines" / "private.sh"


@dataclass(frozen=True)
class PrivateEngine:
    docker_host: str  # its socket
    address: str  # where its published ports answer, from this namespace

    def restart(self) -> float:
        """dockerd stopped (SIGTERM: it stops the containers cleanly) and started again; the seconds until it
        answers again."""
        started = time.monotonic()
        _script("restart")
        return time.monotonic() - started


def start() -> PrivateEngine:
    """A fresh one: whatever an interrupted run left of it is removed first."""
    if os.geteuid() != 0:
        skip_or_fail(f"this test starts an engine of its own, which needs root ({SCRIPT}): run `sudo make test`")
    _script("purge")
    printed = _values(_script("start"))
    return PrivateEngine(docker_host=printed["DOCKER_HOST"], address=printed["ADDRESS"])


def purge() -> None:
    _script("purge")


def _script(command: str) -> str:
    done = subprocess.run([str(SCRIPT), command], capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(f"{SCRIPT} {command} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def _values(printed: str) -> Dict[str, str]:
    return dict(line.split("=", 1) for line in printed.splitlines() if "=" in line)
