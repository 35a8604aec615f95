"""Waiting for a deployed stack to settle: a check lists what is still wrong, and is asked again until it
lists nothing. Shared by the integration tests and the soak."""

import time
from typing import Callable, Sequence

import redis
from redis.exceptions import RedisClusterException


def wait_until(what: str, check: Callable[[], Sequence[str]], timeout: float, poll: float = 0.5) -> float:
    """Seconds until `check` reports no problem; fails with the last problems after `timeout`."""
    started = time.monotonic()
    while True:
        try:
            problems = list(check())
        except (redis.RedisError, RedisClusterException, OSError) as error:
            problems = [f"{type(error).__name__}: {error}"]
        if not problems:
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{what}: not after {timeout:.0f}s: {problems[:5]}")
        time.sleep(poll)
