"""The `swarm-host-stopped` event (issue 20: "a Swarm host stopped"): the whole engine of a Swarm host
that runs a master is stopped, as a host going down. Its tasks get a SIGTERM from their engine, but the
swarm stack's nodes run redis-server itself, with no hand-over, so the cluster notices the loss by its
own failure detection and promotes that master's replica on another host. Once every slot is served
again the engine is started; Swarm restarts the host's pinned tasks, and `pulumi up --refresh` (as after
any lost host, docs/swarm.md) makes the cluster whole: 3 masters, each with a replica."""

import time
from typing import Optional

from harness.waiting import wait_until
from soak.recovery import recovered
from soak.stack import SoakStack
from soak.swarm_target import OnSwarm

FAILOVER_TIMEOUT_S = 90  # the engine's stop (it stops its tasks) and then Redis's failure detection


def swarm_host_stopped(stack: SoakStack) -> Optional[str]:
    target = stack.target
    if not isinstance(target, OnSwarm):
        raise TypeError(f"swarm-host-stopped runs on the swarm stack, not on {target.stack}")
    view = stack.view()
    masters = {name: view.nodes[name]["ip"] for name in view.masters()}
    master, host = target.swarm.host_to_stop(masters)
    survivors = target.view(view.password, view.nodes, view.address_map).surviving(target.swarm.addresses[host])
    started = time.monotonic()
    try:
        target.stop_host(host)
        stopped = time.monotonic() - started
        back = recovered(survivors, master, lambda: True)
        wait_until(f"{master}'s slots served again", back, FAILOVER_TIMEOUT_S, 0.1)
        served = time.monotonic() - started
    finally:
        target.start_host(host)  # also when the failover did not come: no host is left stopped
    repairing = time.monotonic()
    stack.up(refresh=True)
    return (
        f"engine of {host} (with {master}) stopped in {stopped:.1f}s; every slot served again {served:.1f}s after "
        f"the stop began; engine started, pulumi up --refresh {time.monotonic() - repairing:.1f}s"
    )
