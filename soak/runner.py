"""One event under load: both load clients (without and with WAIT 1) run before, during and after it;
once the cluster is whole again every acknowledged key is read back, and the figures are reported."""

import time
from dataclasses import dataclass
from typing import Callable, List, Sequence, Tuple

from redis.cluster import ClusterNode, RedisCluster

from harness.redis_view import RedisView
from harness.waiting import wait_until
from soak.events import Event
from soak.load import LoadClient, LoadSettings, value_of
from soak.report import EventReport, Shard, WriteRecord, event_report
from soak.stack import SoakStack

READ_BACK_CHUNK = 500
READ_BACK_TIMEOUT_S = 60
# Short, so that a write to a node that is gone fails in about a second, as a latency-bound client would
# have it, instead of waiting out the kernel's connect timeout.
SOCKET_TIMEOUT_S = 1.0
# A node on this host accepts a connection in well under a millisecond. A connect that takes longer goes to
# the address of a container that is gone (a node being replaced): a vanished IP sends no reset, so the
# client would wait out the whole timeout before it tries the next node, which measures the client's
# setting, not the cluster.
CONNECT_TIMEOUT_S = 0.3


@dataclass(frozen=True)
class SoakSettings:
    load: LoadSettings = LoadSettings()
    before_s: float = 3.0  # load before the event starts
    after_s: float = 3.0  # and after the cluster is whole again


def published(view: RedisView) -> List[Tuple[str, int]]:
    """Where this machine reaches each node, as the view's addressMap says: on one engine its loopback
    port (with --reach announced, its container IP and port), on a Swarm the address and port it
    announces on its host."""
    return sorted(set(view.address_map.values()))


def cluster_client(view: RedisView) -> RedisCluster:
    """What an application on this machine uses: every node as a way in, announced addresses mapped to
    the published ones (nodes added later are reached at their announced address)."""
    return RedisCluster(
        startup_nodes=[ClusterNode(host, port) for host, port in published(view)],
        password=view.password,
        address_remap=lambda address: view.address_map.get(address, address),
        decode_responses=True,
        socket_timeout=SOCKET_TIMEOUT_S,
        socket_connect_timeout=CONNECT_TIMEOUT_S,
    )


def shards_of(view: RedisView) -> List[Shard]:
    """The slot ranges each master serves now."""
    shards: List[Shard] = []
    for row in view.masters().values():
        ranges = [token.partition("-") for token in row.slots if not token.startswith("[")]
        shards.append([(int(a), int(b or a)) for a, _, b in ranges])
    return shards


def lost_keys(view: RedisView, keys: Sequence[str]) -> List[str]:
    """Acknowledged keys that do not read back with their value (the cluster is whole: errors are retried)."""

    def read() -> List[str]:
        client = cluster_client(view)
        try:
            lost: List[str] = []
            for start in range(0, len(keys), READ_BACK_CHUNK):
                chunk = list(keys[start : start + READ_BACK_CHUNK])
                values = client.mget_nonatomic(chunk)
                lost += [key for key, value in zip(chunk, values) if value != value_of(key)]
            return lost
        finally:
            client.close()

    found: List[List[str]] = []

    def attempt() -> List[str]:
        found.append(read())
        return []

    wait_until("every acknowledged key read back", attempt, READ_BACK_TIMEOUT_S, poll=1.0)
    return found[-1]


def run_event(
    stack: SoakStack, event: Event, settings: SoakSettings, label: str, toolchain: str, say: Callable[[str], None]
) -> List[EventReport]:
    view = stack.view()
    stack.wait_healthy(view)
    shards = shards_of(view)
    clients = [
        LoadClient(
            connect=lambda: cluster_client(view),
            namespace=f"soak:{label}:{'wait' if wait else 'nowait'}",
            wait=wait,
            settings=settings.load,
        )
        for wait in (False, True)
    ]
    for client in clients:
        client.start()
    try:
        time.sleep(settings.before_s)
        started = time.monotonic()
        say(f"{label}: {event.what}")
        note = event.act(stack)
        if note:
            say(f"{label}: {note}")
        view = stack.view()
        healed = stack.wait_healthy(view)
        say(f"{label}: done in {time.monotonic() - started:.1f}s (whole again {healed:.1f}s after the action)")
        time.sleep(settings.after_s)
    finally:
        for client in clients:
            client.stop()
    reports = []
    for client in clients:
        lost = lost_keys(view, client.acknowledged)
        record = WriteRecord(
            wait=client.wait,
            started=client.started,
            stopped=client.stopped,
            attempted=client.attempted,
            acknowledged_at=client.acknowledged_at,
            failed=client.failed,
            lost=len(lost),
            reads=client.reads,
            reads_wrong=client.reads_wrong,
            errors=dict(client.errors),
        )
        if lost:
            say(f"{label}: lost {len(lost)} acknowledged keys, e.g. {lost[:5]}")
        reports.append(event_report(event.name, record, shards, stack.node_timeout_s, toolchain))
    return reports
