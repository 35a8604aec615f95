"""What the soak does to the cluster while the load runs, and what each event must keep (targets.py).

Each event ends with the cluster whole again (its planned shape, every node ok); the runner then reads
every acknowledged key back. Each runs on the stacks it names: a container's stop or kill means something
on one engine (`redis`), a whole host's stop on the Swarm (`swarm`, soak/host_stopped.py). The day-2
changes of issue 22 (soak/day_two.py) run on the `redis` stack; the change of the published ports needs
the load to reach the nodes where they announce themselves (`--reach announced`).
"""

import concurrent.futures
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

from harness.redis_view import RedisView
from harness.waiting import wait_until
from soak.day_two import image_rolled, ports_rolled, setting_changed
from soak.host_stopped import swarm_host_stopped
from soak.recovery import recovered
from soak.stack import SoakStack
from soak.stack_target import ANNOUNCED
from soak.targets import ANNOUNCED_FAILOVER, DAY_TWO_WINDOW_S, DETECTED_FAILOVER, Expectation

FAILOVER_TIMEOUT_S = 60
BEHIND_S = 1.0  # how long the master acknowledges writes its replica does not get


@dataclass(frozen=True)
class Event:
    name: str
    what: str  # one line for people
    act: Callable[[SoakStack], Optional[str]]  # returns a note for people, or None
    expect: Expectation
    needs_root: bool = False
    stacks: Tuple[str, ...] = ("redis",)  # the soak targets it runs on (soak/stack_target.py)
    # Why the load must reach the nodes at their announced addresses (`--reach announced`), if it must.
    needs_announced: str = ""


def _a_master(view: RedisView) -> str:
    return sorted(view.masters())[0]


def _a_replica(view: RedisView) -> str:
    return next(name for name in sorted(view.names) if not view.myself(name).is_master)


def _served_again(stack: SoakStack, view: RedisView, master: str) -> str:
    """Waits until every slot of the master that went down is served again, then starts it (it rejoins as
    a replica) unless its restart policy did; says how it went."""
    back = recovered(view, master, lambda: not stack.running(master))
    took = wait_until(f"{master}'s slots served again", back, FAILOVER_TIMEOUT_S, 0.1)
    back_by_itself = stack.running(master)
    stack.engine("start", master)  # a no-op when the restart policy brought it back
    how_back = "restarted by its restart policy" if back_by_itself else "started again by the soak"
    return f"every slot served again after {took:.1f}s; {master} {how_back}"


def _master_down(how: str) -> Callable[[SoakStack], Optional[str]]:
    """docker stop (SIGTERM, Redis shuts down cleanly) or kill (SIGKILL) a master; once a replica took
    over, start it again (it rejoins as a replica) unless its restart policy did."""

    def act(stack: SoakStack) -> Optional[str]:
        view = stack.view()
        master = _a_master(view)
        stack.engine(how, master)
        return f"docker {how} {master}: {_served_again(stack, view, master)}"

    return act


def _master_killed_with_its_replica_behind(stack: SoakStack) -> Optional[str]:
    """Asynchronous replication made visible: the master's replica stops hearing from it (a one-way
    partition), the master keeps acknowledging writes for BEHIND_S, then it is killed and that replica,
    which never got those writes, takes over. Without WAIT they are lost, as Redis documents; with WAIT 1
    they were never acknowledged."""
    view = stack.view()
    master = _a_master(view)
    master_id = view.myself(master).node_id
    replica = next(name for name in sorted(view.names) if view.myself(name).master == master_id)
    master_ip = view.nodes[master]["ip"]
    stack.cut_off(replica, master_ip, True)
    try:
        time.sleep(BEHIND_S)
        stack.engine("kill", master)
    finally:
        stack.cut_off(replica, master_ip, False)
    return (
        f"{replica} cut off from {master} {BEHIND_S:.0f}s, docker kill {master}: {_served_again(stack, view, master)}"
    )


def _reshape(*shapes: Tuple[int, int]) -> Callable[[SoakStack], Optional[str]]:
    """`pulumi up` to each (masters, replicas per master) in turn, the cluster whole after each."""

    def act(stack: SoakStack) -> Optional[str]:
        took = []
        for masters, replicas in shapes:
            stack.set_shape(masters, replicas)
            started = time.monotonic()
            stack.up()
            took.append(f"{masters}x{replicas} {time.monotonic() - started:.1f}s")
            stack.wait_healthy(stack.view())
        return "pulumi up: " + ", ".join(took)

    return act


def _restart_all(stack: SoakStack) -> Optional[str]:
    view = stack.view()
    names = stack.container_names(view)
    with concurrent.futures.ThreadPoolExecutor(len(names)) as pool:  # at once, as a host reboot would
        list(pool.map(lambda name: stack.engine("restart", name), names))
    return None


def _replica_removed_and_repaired(stack: SoakStack) -> Optional[str]:
    replica = _a_replica(stack.view())
    stack.engine("rm", replica)
    started = time.monotonic()
    stack.up(refresh=True)
    return f"docker rm -f {replica}; pulumi up --refresh {time.monotonic() - started:.1f}s"


NO_LOSS = Expectation(no_loss_when_wait=(False, True))
# Issue 22: nothing acknowledged lost, and at most 1 s without a successful write. A setting changed live
# touches no node, so the bound holds with WAIT 1 too. A roll replaces each replica in turn: its master has
# no replica to acknowledge WAIT 1 until the new container has synced, by design with one replica per
# master, so there the bound is the one without WAIT and the WAIT 1 window is measured, not asserted.
CHANGED_LIVE = Expectation(max_window_s=DAY_TWO_WINDOW_S, max_window_when_wait=(False, True))
ROLLED = Expectation(max_window_s=DAY_TWO_WINDOW_S, max_window_when_wait=(False,))
EVENTS: Tuple[Event, ...] = (
    Event(
        "master-stopped",
        "docker stop of a master, started again after the failover",
        _master_down("stop"),
        Expectation(no_loss_when_wait=(True,), window=ANNOUNCED_FAILOVER),
    ),
    Event(
        "master-killed",
        "docker kill of a master, started again after the failover",
        _master_down("kill"),
        Expectation(no_loss_when_wait=(), window=DETECTED_FAILOVER),
    ),
    Event(
        "master-killed-replica-behind",
        "its replica cut off from a master for 1 s, then the master killed (root: iptables in the replica)",
        _master_killed_with_its_replica_behind,
        Expectation(no_loss_when_wait=(True,)),  # its point is the loss; master-killed bounds the window
        needs_root=True,
    ),
    Event("masters-3-4-3", "pulumi up: masters 3 -> 4 -> 3 (resharding)", _reshape((4, 1), (3, 1)), NO_LOSS),
    Event("replicas-1-0-1", "pulumi up: replicas per master 1 -> 0 -> 1", _reshape((3, 0), (3, 1)), NO_LOSS),
    Event("all-restarted", "docker restart of every node at once", _restart_all, NO_LOSS),
    Event(
        "replica-repaired",
        "docker rm -f of a replica, then pulumi up --refresh",
        _replica_removed_and_repaired,
        NO_LOSS,
    ),
    Event(
        "setting-changed",
        "pulumi up: redis.nodeTimeoutMs 5000 -> 6000 -> 5000 (applied live, no container replaced)",
        setting_changed,
        CHANGED_LIVE,
        stacks=("redis",),
    ),
    Event(
        "image-rolled",
        "pulumi up: redisImage to a second local image and back (every node rolled, one at a time)",
        image_rolled,
        ROLLED,
        stacks=("redis",),
    ),
    Event(
        "ports-rolled",
        "pulumi up: basePort and busBasePort to another free range and back (every node rolled, one at a time)",
        ports_rolled,
        ROLLED,
        stacks=("redis",),
        needs_announced="its nodes' published ports change, which cut off a client that reaches them there",
    ),
    Event(
        "swarm-host-stopped",
        "the engine of a Swarm host with a master stopped, started again after the failover, pulumi up --refresh",
        swarm_host_stopped,
        # No hand-over from a lost host: Redis's failure detection, as for a killed master.
        Expectation(no_loss_when_wait=(True,), window=DETECTED_FAILOVER),
        stacks=("swarm",),
    ),
)
BY_NAME: Dict[str, Event] = {event.name: event for event in EVENTS}
STACKS: Tuple[str, ...] = tuple(dict.fromkeys(stack for event in EVENTS for stack in event.stacks))
EXPECTED: Dict[str, Expectation] = {event.name: event.expect for event in EVENTS}


def events_for(names: str, stack: str, root: bool, reach: str, say: Callable[[str], None]) -> List[Event]:
    """The events named (by default every one) that run on `stack` here, with the load reaching the nodes
    as `reach` says (soak/stack_target.py); says which are left out and why."""
    wanted = [BY_NAME[name.strip()] for name in names.split(",") if name.strip()] or list(BY_NAME.values())
    elsewhere = [event.name for event in wanted if stack not in event.stacks]
    if elsewhere:
        say(f"not on the {stack} stack (another stack's events): {', '.join(elsewhere)}")
    chosen = []
    for event in wanted:
        if stack not in event.stacks:
            continue
        if event.needs_root and not root:
            say(f"{event.name}: left out, it needs root")
        elif event.needs_announced and reach != ANNOUNCED:
            say(f"{event.name}: left out, it needs --reach {ANNOUNCED}: {event.needs_announced}")
        else:
            chosen.append(event)
    return chosen
