"""The fake Swarm: what the Swarm stacks' checks see instead of a live manager and its nodes."""

from dataclasses import dataclass, field
from typing import Callable, Dict, List

from components.engine.client import EngineClient
from components.engine.inventory import NetworkInventory
from components.swarm.facts import MANAGER, SwarmFacts, SwarmNode

from .engine_api import FakeEngine
from .inventory import FakeInventory

NODES = ("dn-swarm1", "dn-swarm2", "dn-swarm3")


def swarm_node(hostname: str, role: str = "worker", ready: bool = True) -> SwarmNode:
    return SwarmNode(
        hostname=hostname,
        node_id=f"id-{hostname}",
        role=role,
        ready=ready,
        address=f"10.199.40.1{hostname[-1]}",
    )


def three_nodes() -> List[SwarmNode]:
    return [swarm_node(NODES[0], role="manager"), *(swarm_node(name) for name in NODES[1:])]


@dataclass
class FakeSwarm:
    """A manager (dn-swarm1) with two workers unless told otherwise; `inventories` are the networks each
    node shows (the manager's: docker0 only), as the checks see them; `engines` the nodes' engines the
    stack reaches (hostname -> a fake engine API: none unless a test gives them)."""

    nodes: List[SwarmNode] = field(default_factory=three_nodes)
    manager: bool = True
    local_state: str = "active"
    hostname: str = NODES[0]
    inventories: Dict[str, NetworkInventory] = field(default_factory=lambda: {MANAGER: FakeInventory()})
    asked_for_engines: List[str] = field(default_factory=list)
    engines: Dict[str, FakeEngine] = field(default_factory=dict)

    def facts(self) -> SwarmFacts:
        return SwarmFacts(
            local_state=self.local_state, manager=self.manager, hostname=self.hostname, nodes=tuple(self.nodes)
        )

    def node_inventories(self) -> Dict[str, NetworkInventory]:
        return dict(self.inventories)

    def node_engines(self) -> Dict[str, Callable[[], EngineClient]]:
        return {hostname: engine.client for hostname, engine in self.engines.items()}
