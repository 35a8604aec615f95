"""The soak, short (issues 20 and 22): each event of soak/events.py once, under a moderate load, with and
without WAIT 1, on a stack of this run (`redis-soak`, the shipped redis settings, the run's prefix, subnet
and ports). Asserted are the issues' correctness and availability targets, not the speed of our code: no
acknowledged write lost while resharding, scaling, restarting and repairing, none with WAIT 1 when a
master is stopped, and a failover window within the node timeout + 2 s for a stopped master (1.5 node
timeouts + 3 s for a killed one: Redis's failure detection, docs/load.md); for the day-2 changes (a
setting changed live, the image and the ports rolled) nothing acknowledged lost and at most 1 s without
a write. The port change runs with the load reaching the nodes at their announced addresses. The figures
are printed, with the line saying what they ran on; `make soak` runs the long version.
"""

import os
from typing import Dict, Iterator, List

import pytest

from harness.project_copy import LOCAL_IMAGES, toolchain_env
from harness.toolchain import collect, describe
from soak.events import EVENTS, Event
from soak.load import LoadSettings
from soak.report import EventReport, table
from soak.rolled_image import remove_rolled_images
from soak.runner import SoakSettings, run_event
from soak.stack import SoakStack
from soak.stack_target import ANNOUNCED, OneEngine
from soak.targets import misses

pytestmark = [pytest.mark.integration, pytest.mark.alone]

STACK = "redis-soak"
# Moderate: two clients at 30 writes/s each (and a read after each write) on 2 shared cores.
SETTINGS = SoakSettings(load=LoadSettings(rate=30.0), before_s=1.5, after_s=1.5)


class Soak:
    def __init__(self, stack: SoakStack, toolchain: str) -> None:
        self.stack = stack
        self.toolchain = toolchain
        self.reports: Dict[str, List[EventReport]] = {}

    def run(self, event: Event) -> List[EventReport]:
        reach = self.stack.target
        if event.needs_announced:  # for this event only: the others reach the nodes as an application does
            self.stack.target = OneEngine(reach=ANNOUNCED)
        try:
            self.reports[event.name] = run_event(self.stack, event, SETTINGS, event.name, self.toolchain, print)
        finally:
            self.stack.target = reach
        return self.reports[event.name]


@pytest.fixture(scope="module")
def soak(project, run) -> Iterator[Soak]:
    project.stack(STACK, {"scenario": "redis"})  # the run's settings, written to the copy's stack file
    redis = project.run_config[STACK]["redis"]
    stack = SoakStack(
        root=project.root,
        env=project.env,
        name=STACK,
        prefix=run.prefix,
        redis=redis,
        image=LOCAL_IMAGES["redisImage"],  # the run's (tests/integration/conftest.py)
        isolation=run,  # a second port range for ports-rolled
    )
    toolchain = describe(collect(toolchain_env()))
    print(toolchain)
    stack.up()
    state = Soak(stack, toolchain)
    try:
        yield state
    finally:
        try:
            stack.destroy()  # the other redis stacks of the run use the same node names
        finally:
            remove_rolled_images(run.prefix)  # image-rolled's image, when the event stopped half-way
    everything = [report for reports in state.reports.values() for report in reports]
    print(f"\nsoak, one round per event ({toolchain}):\n{table(everything)}")


ON_ONE_ENGINE = [event for event in EVENTS if "redis" in event.stacks]  # test_soak_swarm.py: the Swarm's


@pytest.mark.parametrize("event", ON_ONE_ENGINE, ids=[event.name for event in ON_ONE_ENGINE])
def test_a_client_under_load_keeps_every_acknowledged_write_and_waits_no_longer_than_the_target(soak, event):
    if event.needs_root and os.geteuid() != 0:
        pytest.skip(f"{event.name} cuts a replica off with iptables in its namespace: root only")
    reports = soak.run(event)
    print(table(reports))
    for report in reports:
        print(report.to_json())  # with what the failures raised
    for report in reports:
        assert report.acknowledged > 0, f"{event.name}: no write acknowledged at all"
    assert misses(reports, {event.name: event.expect}) == []
