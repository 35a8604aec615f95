"""The fake network inventory: what the subnet check sees instead of the live engine and /proc/net/route."""

import ipaddress
from dataclasses import dataclass, field
from typing import List

from components.engine.inventory import EngineNetwork, HostRoute

DOCKER0_SUBNET = "172.17.0.0/16"


@dataclass
class FakeInventory:
    """docker0 and no host route unless told otherwise; `calls` counts the looks at the engine's networks."""

    networks: List[EngineNetwork] = field(
        default_factory=lambda: [
            EngineNetwork(name="bridge", id="b" * 64, subnets=(ipaddress.IPv4Network(DOCKER0_SUBNET),))
        ]
    )
    routes: List[HostRoute] = field(default_factory=list)
    calls: int = 0

    def engine_networks(self) -> List[EngineNetwork]:
        self.calls += 1
        return list(self.networks)

    def host_routes(self) -> List[HostRoute]:
        return list(self.routes)
