"""What address space is already taken on this machine: engine networks and host routes.

Read before anything is created, so a subnet that would collide fails `pulumi preview` with a clear
error instead of an engine error half-way through `pulumi up`.
"""

import ipaddress
from dataclasses import dataclass, field
from typing import Callable, List, Mapping, Optional, Protocol, Tuple

from components.engine.client import EngineClient
from components.errors import ConfigError
from components.labels import PROJECT_LABEL, STACK_LABEL
from components.network.addressing import ipv4_pools, overlaps


@dataclass(frozen=True)
class EngineNetwork:
    name: str
    id: str
    subnets: Tuple[ipaddress.IPv4Network, ...]
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class HostRoute:
    device: str
    destination: ipaddress.IPv4Network


class NetworkInventory(Protocol):
    def engine_networks(self) -> List[EngineNetwork]: ...
    def host_routes(self) -> List[HostRoute]: ...


def _hex_le_to_ip(value: str) -> ipaddress.IPv4Address:
    # /proc/net/route stores addresses as little-endian hex.
    return ipaddress.IPv4Address(int.from_bytes(bytes.fromhex(value), "little"))


def parse_proc_net_route(text: str) -> List[HostRoute]:
    """Routes from /proc/net/route; the default route is left out (it overlaps everything)."""
    routes = []
    for line in text.splitlines()[1:]:
        cols = line.split()
        if len(cols) < 8:
            continue
        destination, mask = _hex_le_to_ip(cols[1]), _hex_le_to_ip(cols[7])
        if int(mask) == 0:
            continue
        network = ipaddress.IPv4Network(f"{destination}/{mask}", strict=False)
        routes.append(HostRoute(device=cols[0], destination=network))
    return routes


class LiveInventory:
    """The real engine (DOCKER_HOST or the Docker context, see components.engine.endpoint) and the host's
    routing table.

    The engine is asked once per instance: a program run checks its subnets with one instance (a
    RedisCluster and its BridgeNetwork share it), so they all see the same answer.
    """

    def __init__(
        self, route_file: str = "/proc/net/route", client_factory: Callable[[], EngineClient] = EngineClient
    ) -> None:
        self._route_file = route_file
        self._client_factory = client_factory
        self._networks: Optional[List[EngineNetwork]] = None

    def engine_networks(self) -> List[EngineNetwork]:
        if self._networks is None:
            self._networks = self._ask_engine()
        return list(self._networks)

    def _ask_engine(self) -> List[EngineNetwork]:
        found = []
        with self._client_factory() as client:
            listed = client.networks()
        for attrs in listed:
            subnets = [subnet for subnet, _ in ipv4_pools((attrs.get("IPAM") or {}).get("Config"))]
            found.append(
                EngineNetwork(
                    name=attrs["Name"], id=attrs["Id"], subnets=tuple(subnets), labels=attrs.get("Labels") or {}
                )
            )
        return found

    def host_routes(self) -> List[HostRoute]:
        try:
            with open(self._route_file, encoding="ascii") as handle:
                return parse_proc_net_route(handle.read())
        except OSError:
            return []


def default_inventory() -> NetworkInventory:
    """The inventory a component checks against when its args name none: the live engine and routes.

    The one place a program's components get it from, so unit tests replace this function (with
    monkeypatch) to run whole scenarios against a fake, and a component's args can still name another.
    """
    return LiveInventory()


def inventory_or_default(given: Optional[NetworkInventory]) -> NetworkInventory:
    # default_inventory is looked up when called, so a replaced one is what components get.
    return given if given is not None else default_inventory()


def _is_own(network: EngineNetwork, name: str, stack: Optional[str]) -> bool:
    """The network this stack itself created on an earlier `up` (re-running must not fail)."""
    return (
        network.name == name
        and network.labels.get(PROJECT_LABEL) is not None
        and (stack is None or network.labels.get(STACK_LABEL) in (None, stack))
    )


def own_network_exists(inventory: NetworkInventory, name: str, stack: Optional[str] = None) -> bool:
    """Whether this stack created the network `name` on an earlier `up`: what it built there exists."""
    return any(_is_own(network, name, stack) for network in inventory.engine_networks())


def check_subnet_is_free(
    setting: str, name: str, subnet: ipaddress.IPv4Network, inventory: NetworkInventory, stack: Optional[str] = None
) -> None:
    """Raise ConfigError if `subnet` collides with another engine network or a host route."""
    networks = inventory.engine_networks()
    own_bridges = set()
    for network in networks:
        if _is_own(network, name, stack):
            own_bridges.add("br-" + network.id[:12])
            continue
        if network.name == name:
            raise ConfigError(
                setting.rsplit(".", 1)[0] + ".name" if "." in setting else "name",
                f"an engine network named '{name}' already exists and was not created by this project",
                f"remove it (docker network rm {name}) or choose another network name",
            )
        clash = overlaps(subnet, [(network.name, s) for s in network.subnets])
        if clash:
            other_name, other = clash[0]
            raise ConfigError(
                setting,
                f"{subnet} overlaps the engine network '{other_name}' ({other})",
                "choose a subnet that no existing network uses, e.g. another 10.x.y.0/24",
            )
    routes = [
        (f"host route via {r.device}", r.destination) for r in inventory.host_routes() if r.device not in own_bridges
    ]
    clash = overlaps(subnet, routes)
    if clash:
        where, other = clash[0]
        raise ConfigError(
            setting,
            f"{subnet} overlaps {other} ({where}); containers could not reach those hosts",
            "choose a subnet that no host route covers",
        )
