"""The soak's Swarm event, short (issue 20: "a Swarm host stopped"): `make soak STACK=swarm`'s path, once,
at 30 writes/s per client: an isolated copy of the `swarm` stack (prefix soak-xxxxxx-, its own subnet and
ports) on the local Swarm, the engine of a host with a master stopped under load, started again, `pulumi
up --refresh`, every acknowledged key read back. Asserted: no write acknowledged with WAIT 1 lost, and a
window without WAIT within Redis's failure detection (1.5 node timeouts + 3 s: a stopped host hands
nothing over). The figures are printed with the line saying what they ran on (the Swarm's engine).

The Swarm is left as found: started for this module when it was not up, then removed again.
"""

from pathlib import Path
from typing import Dict, Iterator

import pytest

from harness import local_swarm
from harness.isolation import RunIsolation
from harness.project_copy import LOCAL_IMAGES
from harness.toolchain import collect, describe
from soak.events import BY_NAME
from soak.report import table
from soak.runner import run_event
from soak.stack import SoakStack
from soak.swarm_target import OnSwarm
from soak.targets import misses

from .swarm import ensure_swarm
from .test_soak import SETTINGS

pytestmark = [pytest.mark.integration, pytest.mark.alone]

EVENT = BY_NAME["swarm-host-stopped"]


@pytest.fixture(scope="module")
def swarm_target(toolchain_env: Dict[str, str]) -> Iterator[OnSwarm]:
    was_up = local_swarm.is_up()
    target = OnSwarm(ensure_swarm())
    try:
        yield target
    finally:
        if not was_up:
            local_swarm.checked_script("down")


def test_a_stopped_swarm_host_loses_no_write_acknowledged_with_wait(
    swarm_target: OnSwarm, toolchain_env: Dict[str, str], tmp_path: Path
):
    toolchain = describe(collect({**toolchain_env, **swarm_target.env()}))  # the Swarm's engine
    print(toolchain)
    isolation = RunIsolation.new("soak")
    try:
        stack = SoakStack.in_copy(tmp_path, isolation, LOCAL_IMAGES["redisImage"], swarm_target)
        stack.up()
        try:
            reports = run_event(stack, EVENT, SETTINGS, EVENT.name, toolchain, print)
        finally:
            stack.destroy()
    finally:
        print(swarm_target.remove_leftovers(isolation.prefix))
    print(table(reports))
    for report in reports:
        print(report.to_json())
        assert report.acknowledged > 0, f"{EVENT.name}: no write acknowledged at all"
    assert misses(reports, {EVENT.name: EVENT.expect}) == []
