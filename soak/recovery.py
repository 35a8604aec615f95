"""When a master that went down no longer keeps any slot from being served: the check the failover
events (a container stopped or killed, a Swarm host stopped) wait on."""

from typing import Callable, List

from harness.redis_view import SLOT_COUNT, RedisView


def served_slots(view: RedisView, asking: str) -> int:
    """How many slots the masters `asking` sees as not failing serve."""
    return sum(
        int(b or a) - int(a) + 1
        for row in view.masters(asking).values()
        for a, _, b in (token.partition("-") for token in row.slots if not token.startswith("["))
    )


def recovered(view: RedisView, gone: str, is_down: Callable[[], bool]) -> Callable[[], List[str]]:
    """Problems until every slot is served again: by a replica that took over from `gone`, or by `gone`
    itself when it came back before a failover (`is_down` tells). Asks a node of `view` other than `gone`."""
    asking = next(name for name in view.names if name != gone)

    def problems() -> List[str]:
        if gone in view.masters(asking) and is_down():
            return [f"{gone} is down and still serves its slots"]
        if served_slots(view, asking) != SLOT_COUNT:
            return ["not every slot is served"]
        return [] if "cluster_state:ok" in view.ask(asking, "CLUSTER", "INFO") else [f"{asking}: not ok"]

    return problems
