"""The overlay scenario's settings, declared, parsed and checked, and where its services go.

Pure: plain values (and the Swarm's facts) in, frozen dataclasses out, a ConfigError naming the setting
for anything wrong. The stack's settings are declared once in OverlayStackConfig (components/schema.py),
the scenario's own under `docker-networking:overlay`: network, placement, connectTomcat01, nodeEngines.
"""

import ipaddress
from dataclasses import dataclass, field
from typing import Dict, Mapping

from components.errors import ConfigError
from components.labels import name_prefix_labels
from components.network.addressing import parse_subnet
from components.schema import Checked, Flag, MapOf, Object, Text, setting
from components.settings import setting_name
from components.swarm.checks import require_nodes
from components.swarm.facts import SwarmFacts
from components.swarm.overlay import OverlayNetworkArgs

from .stack_settings import node_engines
from .tomcat_settings import ImageSettings, TomcatStackConfig, image_settings

SCENARIO = "overlay"
SERVICES = ("tomcat-net-01", "tomcat-net-02")
STANDALONE = "tomcat01"


@dataclass(frozen=True)
class OverlayNetworkConfig:
    name: str = setting(Text("network name"), "the attachable overlay network's name", "mynet")
    # Private, and away from the engine's default pools and the Swarm's (10.0.0.0/8 in /24s from 10.0.0.0).
    subnet: ipaddress.IPv4Network = setting(
        Checked(parse_subnet, "IPv4 subnet, CIDR"),
        "the overlay's subnet; one that overlaps a network of the manager or of a node in `nodeEngines`, or a "
        "host route, is refused",
        ipaddress.IPv4Network("10.39.0.0/24"),
    )
    encrypted: bool = setting(
        Flag(), "IPsec between the nodes for the overlay's traffic (needs the kernel's xfrm/ESP support)", False
    )


@dataclass(frozen=True)
class OverlayConfig:
    network: OverlayNetworkConfig = setting(Object(OverlayNetworkConfig), "the overlay", OverlayNetworkConfig())
    placement: Mapping[str, str] = setting(
        MapOf(Text("node hostname"), "service", SERVICES),
        "the node each service runs on; a service left out goes to a ready node nobody else uses, apart from the "
        "manager's",
        {},
    )
    connect_tomcat01: bool = setting(Flag(), "connect the running `tomcat01` (on the manager) to the overlay", True)
    node_engines: Mapping[str, str] = node_engines()


@dataclass(frozen=True)
class OverlayStackConfig(TomcatStackConfig):
    overlay: OverlayConfig = setting(Object(OverlayConfig), "the mynet scenario across hosts", OverlayConfig())


@dataclass(frozen=True)
class OverlaySettings:
    setting: str
    network: OverlayNetworkArgs
    image: ImageSettings
    placement: Mapping[str, str] = field(default_factory=dict)
    connect_tomcat01: bool = True
    node_engines: Mapping[str, str] = field(default_factory=dict)
    name_prefix: str = ""

    def engine_name(self, name: str) -> str:
        return self.name_prefix + name


def overlay_settings(stack: OverlayStackConfig) -> OverlaySettings:
    config, prefix = stack.overlay, stack.name_prefix
    return OverlaySettings(
        setting=setting_name(SCENARIO),
        network=OverlayNetworkArgs(
            name=prefix + config.network.name,
            subnet=config.network.subnet,
            labels=name_prefix_labels(prefix),
            encrypted=config.network.encrypted,
        ),
        image=image_settings(stack),
        placement=dict(config.placement),
        connect_tomcat01=config.connect_tomcat01,
        node_engines=dict(config.node_engines),
        name_prefix=prefix,
    )


def plan_placement(settings: OverlaySettings, facts: SwarmFacts) -> Dict[str, str]:
    """Service -> node hostname: each service on a node of its own, none on the manager's (where tomcat01
    runs), so every name lookup and request in the scenario crosses hosts. Three nodes are needed."""
    setting = f"{settings.setting}.placement"
    require_nodes(setting, settings.placement, facts, needed=len(SERVICES) + 1)
    placement = dict(settings.placement)
    taken = {facts.hostname, *placement.values()}
    free = [hostname for hostname in sorted(facts.ready_nodes()) if hostname not in taken]
    for service in SERVICES:
        if service not in placement:
            if not free:
                raise ConfigError(
                    f"{setting}.{service}",
                    "no ready node is left for it: each service needs a node of its own, apart from the manager's",
                    "place the services on different nodes, or join more nodes",
                )
            placement[service] = free.pop(0)
    hosts = [facts.hostname, *(placement[service] for service in SERVICES)]
    if len(set(hosts)) < len(hosts):
        raise ConfigError(
            setting,
            f"it puts two of {STANDALONE} (on the manager, {facts.hostname}) and {', '.join(SERVICES)} on one node "
            f"({', '.join(f'{n}={h}' for n, h in zip((STANDALONE, *SERVICES), hosts))})",
            "place each service on a node of its own, neither on the manager: the scenario shows traffic across hosts",
        )
    return placement
