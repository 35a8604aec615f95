"""The load: one thread per write mode writes sequential keys at a steady rate through a RedisCluster
client and, after each acknowledged write, reads back a random earlier acknowledged key.

Every acknowledged write is recorded (key, when, its slot), so after the event each one can be read
back, and the longest time each shard went without an acknowledged write can be computed (report.py).
"""

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple

from redis.cluster import RedisCluster, key_slot

from soak.replicated_write import set_and_wait

# After this many failures in a row the client is built anew, as an application would reconnect: a
# client whose every startup node failed has no slot map left to route by.
RECONNECT_AFTER_FAILURES = 20


@dataclass(frozen=True)
class LoadSettings:
    rate: float = 50.0  # writes per second per client
    wait_timeout_ms: int = 500  # WAIT 1's timeout, below the client's socket timeout (1 s)
    replicas: int = 1


@dataclass
class LoadClient:
    """Writes `<namespace>:<n>` = `v<n>` for n = 0, 1, ...; with `wait`, each write is followed by WAIT 1
    and counts as acknowledged only when a replica acknowledged it."""

    connect: Callable[[], RedisCluster]
    namespace: str
    wait: bool
    settings: LoadSettings
    clock: Callable[[], float] = time.monotonic
    attempted: int = 0
    failed: int = 0
    reads: int = 0
    reads_wrong: int = 0
    acknowledged: List[str] = field(default_factory=list)  # the keys, in the order acknowledged
    acknowledged_at: List[Tuple[float, int]] = field(default_factory=list)  # (when, slot)
    errors: Counter = field(default_factory=Counter)  # error type -> count, to tell failures apart
    started: float = 0.0
    stopped: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: Optional[threading.Thread] = None

    def start(self) -> None:
        self.started = self.clock()
        self._thread = threading.Thread(target=self._run, name=f"soak-{self.namespace}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.stopped = self.clock()

    def _run(self) -> None:
        interval = 1.0 / self.settings.rate
        client: Optional[RedisCluster] = None
        failures_in_a_row = 0
        next_at = self.clock()
        rng = random.Random(self.namespace)
        while not self._stop.is_set():
            number = self.attempted
            self.attempted += 1  # before connecting: a client that cannot connect fails its write
            try:
                if client is None:
                    client = self.connect()
                self._write(client, number, rng)
                failures_in_a_row = 0
            except Exception as error:  # noqa: BLE001 - every failure is a figure, whatever raised it
                self.failed += 1
                self.errors[type(error).__name__] += 1
                failures_in_a_row += 1
                if client is not None and failures_in_a_row >= RECONNECT_AFTER_FAILURES:
                    client.close()
                    client, failures_in_a_row = None, 0
            # A steady rate: a slow attempt is not made up for with a burst afterwards.
            next_at = max(next_at + interval, self.clock())
            self._stop.wait(max(0.0, next_at - self.clock()))
        if client is not None:
            client.close()

    def _write(self, client: RedisCluster, number: int, rng: random.Random) -> None:
        key = f"{self.namespace}:{number}"
        value = value_of(key)
        if self.wait:
            set_and_wait(client, key, value, self.settings.replicas, self.settings.wait_timeout_ms)
        else:
            client.set(key, value)
        self.acknowledged.append(key)
        self.acknowledged_at.append((self.clock(), key_slot(key.encode())))
        self._read_back(client, rng)

    def _read_back(self, client: RedisCluster, rng: random.Random) -> None:
        """One earlier acknowledged key, read from its master: missing or wrong is a loss seen live."""
        key = rng.choice(self.acknowledged)
        try:
            value = client.get(key)
        except Exception as error:  # noqa: BLE001 - a failed read is no wrong read
            self.errors[f"read {type(error).__name__}"] += 1
            return
        self.reads += 1
        if value != value_of(key):
            self.reads_wrong += 1


def value_of(key: str) -> str:
    """What the load wrote under `key` (`<namespace>:<n>` holds `v<n>`)."""
    return "v" + key.rsplit(":", 1)[1]
