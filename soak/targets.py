"""Issue 20's and issue 22's targets, checked on the reports. Pure."""

from dataclasses import dataclass
from typing import Mapping, Optional, Sequence, Tuple

from soak.report import EventReport

# The target for a failover: at most the node timeout + 2 s without a write.
ANNOUNCED_FAILOVER = (1.0, 2.0)
# A master that dies unannounced (killed, or on a Swarm host that is stopped: its engine stops it without
# a hand-over) is noticed only when a ping to it goes unanswered for the node timeout, and a node pings a
# peer once its last answer is half a node timeout old; then a majority of masters must agree by gossip,
# and the replica waits 0.5-1 s before its election. Redis's design: up to 1.5 node timeouts + about
# 2.5 s, which the node timeout + 2 s cannot hold (docs/load.md).
DETECTED_FAILOVER = (1.5, 3.0)
# Issue 22's target for a day-2 change (a setting changed live, an image or the ports rolled): at most
# 1 s without a successful write, whatever the node timeout.
DAY_TWO_WINDOW_S = 1.0


@dataclass(frozen=True)
class Expectation:
    """What an event must keep: no acknowledged write lost in the modes `no_loss_when_wait` lists
    (False: without WAIT, True: with WAIT 1); for a failover, the longest window without WAIT, as
    (times the node timeout, plus seconds); for a day-2 change, the longest window in seconds
    (`max_window_s`), in the modes `max_window_when_wait` lists."""

    no_loss_when_wait: Tuple[bool, ...] = (False, True)
    window: Optional[Tuple[float, float]] = None
    max_window_s: Optional[float] = None
    max_window_when_wait: Tuple[bool, ...] = (False,)

    def window_limit(self, node_timeout_s: float) -> Optional[float]:
        return None if self.window is None else self.window[0] * node_timeout_s + self.window[1]


def misses(reports: Sequence[EventReport], expected: Mapping[str, Expectation]) -> Sequence[str]:
    """Each missed target, said in one line; empty when every target is met."""
    found = []
    for report in reports:
        expectation = expected.get(report.event)
        if expectation is None:
            continue
        mode = "with WAIT 1" if report.wait else "without WAIT"
        if report.wait in expectation.no_loss_when_wait and report.lost:
            found.append(f"{report.event} {mode}: {report.lost} of {report.acknowledged} acknowledged writes lost")
        limit = expectation.window_limit(report.node_timeout_s)
        # With WAIT 1 a write also needs the replica the failover used up; that window is the old
        # master's return, not the failover's.
        if limit is not None and not report.wait and report.window_s > limit:
            assert expectation.window is not None
            times, plus = expectation.window
            found.append(
                f"{report.event} {mode}: window {report.window_s:.2f}s > "
                f"{times:g} x node timeout + {plus:g} s ({limit:.1f}s)"
            )
        bound = expectation.max_window_s
        if bound is not None and report.wait in expectation.max_window_when_wait and report.window_s > bound:
            found.append(f"{report.event} {mode}: window {report.window_s:.2f}s > {bound:g} s")
    return found
