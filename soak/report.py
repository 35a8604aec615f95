"""Figures per event and write mode, from what the load clients recorded. Pure: no cluster, no clock."""

import json
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple


@dataclass(frozen=True)
class WriteRecord:
    """What one load client saw during one event (times in seconds, one clock)."""

    wait: bool
    started: float
    stopped: float
    attempted: int
    acknowledged_at: Sequence[Tuple[float, int]]  # (when, the key's slot) of each acknowledged write
    failed: int
    lost: int  # acknowledged, then not read back with its value after the event
    reads: int
    reads_wrong: int  # an acknowledged key read back missing or wrong while the event ran
    errors: Mapping[str, int]  # what the failed writes and reads raised, by type


@dataclass(frozen=True)
class EventReport:
    """One event in one write mode: the JSON object `make soak ARGS=--json` prints."""

    event: str
    wait: bool
    attempted: int
    acknowledged: int
    failed: int
    lost: int
    window_s: float  # the longest time in which one shard's keys got no acknowledged write
    reads: int
    reads_wrong: int
    duration_s: float
    node_timeout_s: float
    errors: Mapping[str, int]
    toolchain: str

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


def longest_gap(times: Sequence[float], started: float, stopped: float) -> float:
    """The longest stretch of [started, stopped] without an acknowledged write: between two of them, or
    before the first and after the last (a client that never succeeded waited the whole time)."""
    points = [started, *sorted(t for t in times if started <= t <= stopped), stopped]
    return max(b - a for a, b in zip(points, points[1:]))


Shard = Sequence[Tuple[int, int]]  # the slot ranges one master served when the event began


def window(
    acknowledged_at: Sequence[Tuple[float, int]], started: float, stopped: float, shards: Sequence[Shard]
) -> float:
    """The longest time in which the keys of one shard got no acknowledged write. Per shard, because the
    keys go to every master in turn: while one master is down, writes to the others still succeed, and
    what an application waits for is its key's shard. Slots in no shard count as one more."""
    owner = {slot: index for index, ranges in enumerate(shards) for a, b in ranges for slot in range(a, b + 1)}
    by_shard: Dict[int, List[float]] = {index: [] for index in range(len(shards))}
    for when, slot in acknowledged_at:
        by_shard.setdefault(owner.get(slot, len(shards)), []).append(when)
    return max(longest_gap(times, started, stopped) for times in by_shard.values())


def event_report(
    event: str, record: WriteRecord, shards: Sequence[Shard], node_timeout_s: float, toolchain: str
) -> EventReport:
    return EventReport(
        event=event,
        wait=record.wait,
        attempted=record.attempted,
        acknowledged=len(record.acknowledged_at),
        failed=record.failed,
        lost=record.lost,
        window_s=round(window(record.acknowledged_at, record.started, record.stopped, shards), 3),
        reads=record.reads,
        reads_wrong=record.reads_wrong,
        duration_s=round(record.stopped - record.started, 3),
        node_timeout_s=node_timeout_s,
        errors=dict(record.errors),
        toolchain=toolchain,
    )


def merge(reports: Sequence[EventReport]) -> List[EventReport]:
    """Rounds of the same event and mode added up; the window is the longest of them."""
    merged: Dict[tuple, EventReport] = {}
    for report in reports:
        key = (report.event, report.wait)
        seen: Optional[EventReport] = merged.get(key)
        if seen is None:
            merged[key] = report
            continue
        merged[key] = EventReport(
            event=report.event,
            wait=report.wait,
            attempted=seen.attempted + report.attempted,
            acknowledged=seen.acknowledged + report.acknowledged,
            failed=seen.failed + report.failed,
            lost=seen.lost + report.lost,
            window_s=max(seen.window_s, report.window_s),
            reads=seen.reads + report.reads,
            reads_wrong=seen.reads_wrong + report.reads_wrong,
            duration_s=round(seen.duration_s + report.duration_s, 3),
            node_timeout_s=report.node_timeout_s,
            errors=dict(Counter(seen.errors) + Counter(report.errors)),
            toolchain=report.toolchain,
        )
    return list(merged.values())


COLUMNS = ("event", "wait", "attempted", "acknowledged", "failed", "lost", "window_s", "reads_wrong")


def table(reports: Sequence[EventReport]) -> str:
    """A plain-text table, one row per event and mode, for people (--json is for programs)."""
    rows: List[List[Any]] = [list(COLUMNS)]
    for r in reports:
        wait = "WAIT 1" if r.wait else "-"
        rows.append([r.event, wait, r.attempted, r.acknowledged, r.failed, r.lost, f"{r.window_s:.2f}", r.reads_wrong])
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(COLUMNS))]
    return "\n".join(
        "  ".join(str(cell).ljust(w) if i < 2 else str(cell).rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
        for row in rows
    )
