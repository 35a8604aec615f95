"""What the Swarm looks like, read before anything is created: whether the engine is a manager, its
nodes (hostname, role, state, address, labels), the networks on each node whose engine is known, and
those engines themselves (what else they have, such as images, is asked through them).

The manager lists every node, but only its own networks and the Swarm's overlays: a node's local
bridges are known only to that node's engine, which a stack names in its `nodeEngines` setting.
"""

import os
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Mapping, Optional, Protocol, Sequence, Tuple

from components.engine.client import EngineClient
from components.engine.endpoint import EndpointError, resolve_endpoint
from components.engine.inventory import LiveInventory, NetworkInventory
from components.errors import ConfigError

MANAGER = "the manager (DOCKER_HOST)"
# The local Swarm's engines by node hostname, as `make -s swarm-env` exports them (scripts/swarm/swarm.sh).
EXPORTED_ENGINES_VARIABLE = "DOCKER_NETWORKING_SWARM_HOSTS"


@dataclass(frozen=True)
class SwarmNode:
    hostname: str
    node_id: str
    role: str  # manager or worker
    ready: bool  # state ready and availability active: Swarm places tasks on it
    address: str
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SwarmFacts:
    """`local_state`: the engine's Swarm state (inactive, pending, active, ...); `manager`: whether it can
    create services; `hostname`: the engine's own node (where a standalone container runs)."""

    local_state: str
    manager: bool
    hostname: str
    nodes: Tuple[SwarmNode, ...] = ()

    def ready_nodes(self) -> Dict[str, SwarmNode]:
        return {node.hostname: node for node in self.nodes if node.ready}


class SwarmInventory(Protocol):
    def facts(self) -> SwarmFacts: ...
    def node_inventories(self) -> Dict[str, NetworkInventory]: ...
    def node_engines(self) -> Dict[str, Callable[[], EngineClient]]: ...


def parse_node(attrs: Mapping[str, Any]) -> SwarmNode:
    """One node as GET /nodes lists it."""
    spec, status = attrs.get("Spec") or {}, attrs.get("Status") or {}
    return SwarmNode(
        hostname=(attrs.get("Description") or {}).get("Hostname", ""),
        node_id=attrs.get("ID", ""),
        role=spec.get("Role", "worker"),
        ready=status.get("State") == "ready" and spec.get("Availability", "active") == "active",
        address=status.get("Addr", ""),
        labels=dict(spec.get("Labels") or {}),
    )


def parse_facts(info: Mapping[str, Any], nodes: Sequence[Mapping[str, Any]]) -> SwarmFacts:
    swarm = info.get("Swarm") or {}
    return SwarmFacts(
        local_state=swarm.get("LocalNodeState") or "inactive",
        manager=bool(swarm.get("ControlAvailable")),
        hostname=info.get("Name", ""),
        nodes=tuple(parse_node(node) for node in nodes),
    )


def engine_client_for(setting: str, host: str) -> Callable[[], EngineClient]:
    """A factory of clients for the engine at `host` (a node's), checked now: ConfigError naming `setting`."""
    try:
        endpoint = resolve_endpoint({"DOCKER_HOST": host})
    except EndpointError as error:
        raise ConfigError(setting, error.problem, error.fix) from None
    return lambda: EngineClient(endpoint)


def exported_engines(environ: Mapping[str, str] = os.environ) -> Dict[str, str]:
    """`dn-swarm1=unix:///...,dn-swarm2=...` -> {hostname: engine address}; nothing when unset."""
    pairs = (item.split("=", 1) for item in environ.get(EXPORTED_ENGINES_VARIABLE, "").split(",") if "=" in item)
    return {hostname: host for hostname, host in pairs}


class LiveSwarm:
    """The Swarm of the engine DOCKER_HOST names, and the engines of `node_engines` (hostname -> host)."""

    def __init__(self, node_engines: Optional[Mapping[str, Callable[[], EngineClient]]] = None) -> None:
        self._node_engines = dict(node_engines or {})
        self._facts: Optional[SwarmFacts] = None

    def facts(self) -> SwarmFacts:
        if self._facts is None:  # asked once: node_engines() needs the manager's hostname too
            with EngineClient() as client:
                info = client.info()
                manager = bool((info.get("Swarm") or {}).get("ControlAvailable"))
                nodes = client.swarm_nodes() if manager else []  # only a manager may list them
            self._facts = parse_facts(info, nodes)
        return self._facts

    def node_engines(self) -> Dict[str, Callable[[], EngineClient]]:
        """hostname -> client factory of every node whose engine the stack reaches, to ask them what they
        have: the manager's own node through DOCKER_HOST, those of `node_engines`, and those `make -s
        swarm-env` exported. Only `node_engines` hold anything of the stack (its volumes): an engine
        that the shell alone names is asked, never given a resource that a later run might not find."""
        exported = {
            hostname: engine_client_for(EXPORTED_ENGINES_VARIABLE, host)
            for hostname, host in exported_engines().items()
        }
        return {**exported, **self._node_engines, self.facts().hostname: EngineClient}

    def node_inventories(self) -> Dict[str, NetworkInventory]:
        found: Dict[str, NetworkInventory] = {MANAGER: LiveInventory()}
        for hostname, factory in self._node_engines.items():
            found[f"node {hostname}"] = LiveInventory(client_factory=factory)
        return found


def default_swarm(node_engines: Mapping[str, Callable[[], EngineClient]]) -> SwarmInventory:
    """The Swarm a program checks against: the live one. Unit tests replace this function (monkeypatch),
    as they do default_inventory, to run whole scenarios against a fake Swarm."""
    return LiveSwarm(node_engines)
