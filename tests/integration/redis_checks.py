"""What the integration tests do with a deployed redis stack besides looking at it (harness/redis_view.py):
collect what the CLI prints and the changes of an up, write keys on every master and read them back, give a
planned master its role back, print how long a step took.
"""

import time
from typing import Any, Callable, Dict, List, Mapping, Tuple

from redis.cluster import key_slot

from harness.redis_view import RedisView


class Printed:
    """Collects what the CLI prints, so tests can check what a person would have seen."""

    def __init__(self) -> None:
        self.lines: List[str] = []

    def __call__(self, line: str) -> None:
        self.lines.append(line)
        print(line)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def changes(result: Any) -> Dict[str, int]:
    """The resource changes of an up or preview result, without the unchanged ones."""
    summary = getattr(result, "summary", None)
    counts = (summary.resource_changes if summary else result.change_summary) or {}
    return {kind: count for kind, count in counts.items() if kind != "same"}


def keys_for_every_master(view: RedisView, count: int, prefix: str = "fault") -> Dict[str, str]:
    """`count` keys spread over the slot space, at least one on every master; values name the key."""
    keys = {f"{prefix}-{i}": f"value-of-{prefix}-{i}" for i in range(count)}
    owners = {view.owner_of(key) for key in list(keys)[: min(count, 64)]}
    assert owners == set(view.masters()), f"keys land on {sorted(owners)}, not on every master"
    return keys


def write_acknowledged(view: RedisView, keys: Mapping[str, str], replicas: int) -> None:
    """Each key written on its master, then WAIT until `replicas` replicas acknowledged every write."""
    masters = view.masters()
    by_master: Dict[str, List[str]] = {}
    for key in keys:
        slot = key_slot(key.encode())
        owner = next(name for name, row in masters.items() if row.owns(slot))
        by_master.setdefault(owner, []).append(key)
    for master, owned in by_master.items():
        client = view.node(master)
        try:
            pipe = client.pipeline(transaction=False)  # one connection: WAIT covers these writes
            for key in owned:
                pipe.set(key, keys[key])
            if replicas:
                pipe.execute_command("WAIT", replicas, 10000)
            results = pipe.execute()
            if replicas:
                assert results[-1] >= replicas, f"{master}: only {results[-1]} replicas acknowledged"
        finally:
            client.close()


def missing_keys(view: RedisView, keys: Mapping[str, str]) -> List[str]:
    """Keys that do not read back with their value through the cluster client."""
    client = view.cluster()
    try:
        names = list(keys)
        values = client.mget_nonatomic(names)
        return [key for key, value in zip(names, values) if value != keys[key]]
    finally:
        client.close()


def take_back(view: RedisView, name: str) -> List[str]:
    """One step of giving a planned master its role back: what still keeps it a replica. Asks for Redis's
    coordinated CLUSTER FAILOVER again whenever the last one had time to finish (Redis gives one up after 5 s)."""
    if view.myself(name).is_master:
        return []
    now = time.monotonic()
    if now - _failover_asked.get(name, 0.0) > 6:
        _failover_asked[name] = now
        view.ask(name, "CLUSTER", "FAILOVER")
    return [f"{name} is still a replica"]


_failover_asked: Dict[str, float] = {}


def timed(label: str, action: Callable[[], Any]) -> Tuple[Any, float]:
    """Runs `action`, prints how long it took (printed, never asserted) and returns (result, seconds)."""
    started = time.monotonic()
    result = action()
    took = time.monotonic() - started
    print(f"TIMING {label}: {took:.1f}s")
    return result, took
