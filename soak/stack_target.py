"""Where the soak's stack runs, and what differs there: which shipped stack is copied, the settings and
environment it needs besides the run's prefix, subnet and ports, how its nodes are reached, and how the
run's leftovers are removed. `OneEngine`: the `redis` stack on the engine DOCKER_HOST names;
soak/swarm_target.py: the `swarm` stack on the local Swarm."""

import ipaddress
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Protocol, Tuple

from harness.cleanup import remove_run_objects, summary
from harness.redis_view import RedisView
from soak.rolled_image import remove_rolled_images

AddressMap = Mapping[Tuple[str, int], Tuple[str, int]]
# How the load reaches the nodes (`make soak ARGS="--reach ..."`): where the stack publishes them, as an
# application on the engine's host does through the addressMap, or where they announce themselves.
PUBLISHED, ANNOUNCED = "published", "announced"
REACHES = (PUBLISHED, ANNOUNCED)


class StackTarget(Protocol):
    @property
    def stack(self) -> str:
        """The shipped stack the soak copies (`make soak STACK=...`), which names its scenario."""
        ...

    @property
    def reach(self) -> str:
        """How the load reaches the nodes: PUBLISHED or ANNOUNCED."""
        ...

    def settings(self) -> Dict[str, Any]:
        """Stack settings besides the run's prefix, subnet and ports."""
        ...

    def env(self) -> Dict[str, str]:
        """Environment for the CLI and the toolchain line (the engine it deploys on)."""
        ...

    def view(self, password: str, nodes: Mapping[str, Mapping[str, Any]], address_map: AddressMap) -> RedisView:
        """The nodes as this machine reaches them."""
        ...

    def misplaced(self, nodes: Mapping[str, Mapping[str, Any]], redis: Mapping[str, Any]) -> List[str]:
        """Nodes not where the run put them (`redis`: the run's redis setting): a setting lost on the way."""
        ...

    def remove_leftovers(self, prefix: str) -> str:
        """Whatever of the run `prefix` is left, removed by its label; says what went."""
        ...


@dataclass(frozen=True)
class OneEngine:
    """The `redis` stack: containers on one engine, on the run's subnet, published on loopback.

    `reach`: PUBLISHED, the load reaches each node at its loopback port (the addressMap); ANNOUNCED, at
    the address it announces, its container IP on the run's bridge: the engine's host routes there (the
    soak runs in Docker 29's network namespace with ENGINE=29), and a change of the published ports
    leaves it as it is. The soak's own checks ask each node on its published port, read anew after
    every `up`."""

    stack: str = "redis"
    reach: str = PUBLISHED

    def __post_init__(self) -> None:
        if self.reach not in REACHES:
            raise ValueError(f"reach {self.reach!r}: use one of {', '.join(REACHES)}")

    def settings(self) -> Dict[str, Any]:
        return {}

    def env(self) -> Dict[str, str]:
        return {}

    def view(self, password: str, nodes: Mapping[str, Mapping[str, Any]], address_map: AddressMap) -> RedisView:
        if self.reach == ANNOUNCED:
            address_map = {announced: announced for announced in address_map}
        return RedisView(password=password, nodes=nodes, address_map=address_map)

    def misplaced(self, nodes: Mapping[str, Mapping[str, Any]], redis: Mapping[str, Any]) -> List[str]:
        subnet = ipaddress.ip_network(redis["network"]["subnet"])
        return [name for name, node in nodes.items() if ipaddress.ip_address(node["ip"]) not in subnet]

    def remove_leftovers(self, prefix: str) -> str:
        removed = summary(remove_run_objects(prefix), prefix)  # the containers first: then no one uses it
        rolled = remove_rolled_images(prefix)  # image-rolled's image, when the event stopped half-way
        return removed + (f", and the image {', '.join(rolled)}" if rolled else "")
