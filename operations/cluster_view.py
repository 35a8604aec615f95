"""The live cluster as the backup tool needs it: whether it is ok, which nodes are masters and what they
hold, asked of every node at once."""

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Dict, List, Sequence, TypeVar

from components.redis.model.cluster_state import NodeEntry, parse_cluster_nodes, parse_info

from .errors import OperationError
from .node_shell import NodeShell

SETTLE_SECONDS = 30.0
SETTLE_POLL_SECONDS = 0.5

S = TypeVar("S")
T = TypeVar("T")


def on_each(items: Sequence[S], ask: Callable[[S], T]) -> List[T]:
    """`ask` of every node (or master) in parallel, answers in order; the first OperationError is raised."""
    with ThreadPoolExecutor(max_workers=max(1, len(items))) as pool:
        return list(pool.map(ask, items))


@dataclass(frozen=True)
class LiveMaster:
    shell: NodeShell
    entry: NodeEntry  # its own CLUSTER NODES line: id, slots


@dataclass(frozen=True)
class ClusterView:
    masters: List[LiveMaster]
    redis_version: str

    def keys(self) -> Dict[str, int]:
        """Each master's DBSIZE now."""
        counts = on_each([m.shell for m in self.masters], lambda shell: int(shell.redis("DBSIZE")))
        return {m.shell.name: count for m, count in zip(self.masters, counts)}


def _myself(shell: NodeShell) -> NodeEntry:
    me = next((e for e in parse_cluster_nodes(shell.redis("CLUSTER", "NODES")) if "myself" in e.flags), None)
    if me is None:
        raise OperationError(
            f"{shell.name} does not list itself in CLUSTER NODES", "check that it runs in cluster mode"
        )
    return me


def _state(shell: NodeShell) -> str:
    """`ok` or `fail` as the node says it, else what it answered instead (a node that is not serving)."""
    try:
        answer = shell.redis("CLUSTER", "INFO")
    except OperationError as error:
        return error.problem
    return parse_info(answer).get("cluster_state") or f"answered {answer[:120]!r}"


def observe(shells: Sequence[NodeShell], stack: str, settle_seconds: float = SETTLE_SECONDS) -> ClusterView:
    """The masters serving slots, once every node says the cluster is ok (a backup or a restore of a
    cluster with slots uncovered would miss or misplace keys). A cluster just deployed or repaired may
    take a moment to agree: up to `settle_seconds` before it is refused, with what each node said."""
    deadline = time.monotonic() + settle_seconds
    while True:
        states = on_each(shells, _state)
        not_ok = [f"{shell.name}: {state}" for shell, state in zip(shells, states) if state != "ok"]
        if not not_ok:
            break
        if time.monotonic() > deadline:
            raise OperationError(
                f"stack '{stack}' is not a whole cluster ({'; '.join(not_ok)})",
                f"make it whole first: make up STACK={stack} ARGS=--refresh",
            )
        time.sleep(SETTLE_POLL_SECONDS)
    selves = on_each(shells, _myself)
    masters = [LiveMaster(shell, me) for shell, me in zip(shells, selves) if me.is_master and me.slots]
    version = parse_info(shells[0].redis("INFO", "server")).get("redis_version", "")
    return ClusterView(masters=masters, redis_version=version)
