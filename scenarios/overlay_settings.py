"""The overlay scenario's settings, parsed and checked, and where its services go.

Pure: plain values (and the Swarm's facts) in, frozen dataclasses out, a ConfigError naming the setting
for anything wrong. Under `docker-networking:overlay`:

    network          {name, subnet, encrypted} of the attachable overlay network
    placement        {service: node hostname}; a service left out goes to a ready node nobody else uses
    connectTomcat01  connect the running tomcat01 (on the manager) to the overlay (default true)
    nodeEngines      {node hostname: engine address}: the subnet is checked against those nodes' networks too,
                     and the image is asked of them
"""

from dataclasses import dataclass, field
from typing import Any, Dict, Mapping

from components.errors import ConfigError
from components.labels import name_prefix_labels
from components.network.addressing import parse_subnet
from components.settings import parse_str
from components.swarm.checks import require_nodes
from components.swarm.facts import SwarmFacts
from components.swarm.overlay import OverlayNetworkArgs

from .config_values import parse_bool, reject_unknown_keys, require_mapping, setting_name
from .tomcat_settings import ImageSettings

SCENARIO = "overlay"
SERVICES = ("tomcat-net-01", "tomcat-net-02")
STANDALONE = "tomcat01"
KEYS = ("network", "placement", "connectTomcat01", "nodeEngines")
NETWORK_KEYS = ("name", "subnet", "encrypted")
# The tutorial's mynet, as an overlay; a private /24 away from the engine's default pools.
DEFAULT_NETWORK = {"name": "mynet", "subnet": "10.39.0.0/24"}


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


def _string_map(setting: str, raw: Any, keys: Any = None) -> Dict[str, str]:
    given = require_mapping(setting, raw)
    if keys is not None:
        reject_unknown_keys(setting, given, keys)
    return {str(key): parse_str(f"{setting}.{key}", value) for key, value in given.items()}


def parse_overlay(raw: Mapping[str, Any], image: ImageSettings, name_prefix: str = "") -> OverlaySettings:
    setting = setting_name(SCENARIO)
    reject_unknown_keys(setting, raw, KEYS)
    network_setting = f"{setting}.network"
    network = {**DEFAULT_NETWORK, **require_mapping(network_setting, raw.get("network"))}
    reject_unknown_keys(network_setting, network, NETWORK_KEYS)
    encrypted = network.get("encrypted")
    connect = raw.get("connectTomcat01")
    return OverlaySettings(
        setting=setting,
        network=OverlayNetworkArgs(
            name=name_prefix + parse_str(f"{network_setting}.name", network["name"]),
            subnet=parse_subnet(f"{network_setting}.subnet", network["subnet"]),
            labels=name_prefix_labels(name_prefix),
            encrypted=False if encrypted is None else parse_bool(f"{network_setting}.encrypted", encrypted),
        ),
        image=image,
        placement=_string_map(f"{setting}.placement", raw.get("placement"), SERVICES),
        connect_tomcat01=True if connect is None else parse_bool(f"{setting}.connectTomcat01", connect),
        node_engines=_string_map(f"{setting}.nodeEngines", raw.get("nodeEngines")),
        name_prefix=name_prefix,
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
