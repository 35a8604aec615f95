"""Issue 22's day-2 changes, done to the `redis` stack under load, each there and back with `pulumi up`:

- setting_changed: `redis.nodeTimeoutMs` 5000 -> 6000 -> 5000, a setting Redis takes at run time: it
  must reach every node (CONFIG GET answers the new value) and replace no container;
- image_rolled: `redisImage` to a second local image (soak/rolled_image.py) and back: every container
  replaced, one node at a time (the note gives the order), each on the image asked for;
- ports_rolled: `redis.basePort` and `redis.busBasePort` to a second free range of the run and back: every
  container replaced, published on the new ports. The load reaches the nodes at the addresses they
  announce (`--reach announced`), which a port change leaves as they are.

Each says what it did in its note: every `up` and how long it took. A change that does not do what it
must (a container replaced by a live setting, one kept by a roll) fails the event, with a message that
says which node.
"""

import time
from typing import Dict, List, Mapping, Sequence

import docker

from components.redis.model.live import NODE_TIMEOUT
from harness.isolation import DEFAULT_PORT_COUNT
from harness.redis_view import RedisView
from soak.replaced import Container, kept, replaced
from soak.rolled_image import make_rolled_image
from soak.stack import SoakStack, with_engine
from soak.stack_target import ANNOUNCED

NODE_TIMEOUT_STEP_MS = 1000  # 5000 -> 6000 -> 5000
PORT_SETTINGS = ("basePort", "busBasePort")


def _up(stack: SoakStack) -> float:
    """`pulumi up`, and the cluster whole again; returns how long the up took."""
    started = time.monotonic()
    stack.up()
    took = time.monotonic() - started
    stack.wait_healthy(stack.view())
    return took


def _short(stack: SoakStack, names: Sequence[str]) -> str:
    return ", ".join(name.removeprefix(stack.prefix) for name in names)


def _node_timeouts(view: RedisView) -> Dict[str, str]:
    """Each node's cluster-node-timeout, as CONFIG GET answers it."""
    found = {}
    for name in view.names:
        client = view.node(name)
        try:
            found[name] = str(client.config_get(NODE_TIMEOUT).get(NODE_TIMEOUT))
        finally:
            client.close()
    return found


def setting_changed(stack: SoakStack) -> str:
    before = stack.containers(stack.view())
    original = int(stack.redis.get("nodeTimeoutMs", round(stack.node_timeout_s * 1000)))
    took: List[str] = []
    failures: List[str] = []
    for value in (original + NODE_TIMEOUT_STEP_MS, original):
        stack.set_redis(nodeTimeoutMs=value)
        took.append(f"nodeTimeoutMs {value} {_up(stack):.1f}s")
        view = stack.view()
        now = stack.containers(view)
        gone = replaced(before, now)
        if gone:
            failures.append(f"the up to {value} replaced {_short(stack, gone)}")
        stale = sorted(name for name, answer in _node_timeouts(view).items() if answer != str(value))
        if stale:
            failures.append(f"after the up to {value}, {_short(stack, stale)} do not answer {NODE_TIMEOUT} {value}")
        before = now
    if failures:
        raise RuntimeError(
            "setting-changed: a setting Redis changes at run time must reach every node and replace no "
            "container: " + "; ".join(failures)
        )
    return f"pulumi up: {', '.join(took)}; each value read back on every node, no container replaced ({len(before)})"


def _rolled(
    stack: SoakStack, what: str, roles: Mapping[str, str], before: Mapping[str, Container], now: Mapping[str, Container]
) -> str:
    """Says the order in which the up replaced the containers; raises when it kept one."""
    left = kept(before, now)
    if left:
        raise RuntimeError(f"{what}: pulumi up kept the container of {_short(stack, left)}; every one must roll")
    order = [f"{name.removeprefix(stack.prefix)} ({roles.get(name, 'new')})" for name in replaced(before, now)]
    return "replaced in this order: " + ", ".join(order)


def _roles(view: RedisView) -> Dict[str, str]:
    masters = set(view.masters())
    return {name: "master" if name in masters else "replica" for name in view.names}


def image_rolled(stack: SoakStack) -> str:
    original = stack.image
    rolled = with_engine(lambda client: make_rolled_image(client, original, stack.prefix))
    image_ids = with_engine(lambda client: {image: client.images.get(image).id for image in (rolled, original)})
    view = stack.view()
    before = stack.containers(view)
    notes: List[str] = []
    for image in (rolled, original):
        roles = _roles(view)
        stack.set_image(image)
        took = _up(stack)
        view = stack.view()
        now = stack.containers(view)
        order = _rolled(stack, f"image-rolled to {image}", roles, before, now)
        elsewhere = sorted(name for name, container in now.items() if container.image != image_ids[image])
        if elsewhere:
            raise RuntimeError(f"image-rolled: after the up to {image}, {_short(stack, elsewhere)} run another image")
        notes.append(f"pulumi up to {image} {took:.1f}s, {order}")
        before = now
    # Only on the way out: when the event stops half-way the stack may still run it (the run's cleanup).
    return "; ".join(notes) + f"; {with_engine(lambda client: _remove(client, rolled))}"


def _remove(client: docker.DockerClient, image: str) -> str:
    try:
        client.images.remove(image)
    except docker.errors.ImageNotFound:  # keepImages false: the stack removed it with its RemoteImage
        return f"{image} removed by the stack"
    return f"{image} removed"


def ports_off(nodes: Mapping[str, Mapping[str, int]], ports: Mapping[str, int]) -> List[str]:
    """The nodes not published in the blocks `ports` (basePort, busBasePort) start."""
    return sorted(
        name
        for name, node in nodes.items()
        if not 0 < node["hostPort"] - ports["basePort"] <= DEFAULT_PORT_COUNT
        or not 0 < node["busHostPort"] - ports["busBasePort"] <= DEFAULT_PORT_COUNT
    )


def ports_rolled(stack: SoakStack) -> str:
    if stack.target.reach != ANNOUNCED:
        raise RuntimeError(
            "ports-rolled needs the load to reach the nodes at their announced addresses (--reach announced): "
            "a client on the published ports is cut off by the change, by design"
        )
    if stack.isolation is None:
        raise RuntimeError("ports-rolled needs the run's isolation (SoakStack.isolation) for a second port range")
    original = {key: int(stack.redis[key]) for key in PORT_SETTINGS}
    moved = stack.isolation.redis_ports(f"{stack.name}-rolled")  # the same for every round
    view = stack.view()
    before = stack.containers(view)
    notes: List[str] = []
    for ports in (moved, original):
        roles = _roles(view)
        stack.set_redis(**ports)
        took = _up(stack)
        view = stack.view()
        now = stack.containers(view)
        order = _rolled(stack, f"ports-rolled to {ports}", roles, before, now)
        off = ports_off(view.nodes, ports)
        if off:
            raise RuntimeError(f"ports-rolled: after the up to {ports}, {_short(stack, off)} are published elsewhere")
        notes.append(
            f"pulumi up to basePort {ports['basePort']}, busBasePort {ports['busBasePort']} {took:.1f}s, {order}"
        )
        before = now
    return "; ".join(notes)
