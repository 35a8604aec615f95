"""The settings of the three Tomcat scenarios (bridge, link, mynet), parsed and checked.

Pure: plain values in, frozen dataclasses out, a ConfigError naming the setting for anything wrong.
Each scenario's structured config lives under `docker-networking:<scenario>`:

    publishAddress  host address Tomcat's 8080 is published on (default 127.0.0.1)
    hostPorts       {container: host port}; a container left out gets a random port, as -P
  mynet only:
    network         {name, subnet, gateway, ipRange} of the user-defined network (the tutorial's mynet)
    connectTomcat01 connect the running tomcat01 to the network (default true)
    staticIps       {container: IPv4 on the network}; tomcat01's is its address once connected
"""

from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Sequence

from components.images.names import DEFAULT_TOMCAT_IMAGE, validate_image_name
from components.labels import name_prefix_labels
from components.network.bridge import BridgeNetworkArgs, validate_bridge
from components.network.ref import NetworkRef
from components.tomcat.checks import parse_host_port, parse_publish_address, plan_static_ips, require_unique_host_ports
from components.tomcat.container import LOOPBACK, TomcatSpec

from .config_values import parse_bool, reject_unknown_keys, require_mapping, setting_name

BRIDGE_CONTAINERS = ("tomcat01", "tomcat02")
LINK_CONTAINERS = ("tomcat01", "tomcat02", "tomcat03")
MYNET_CONTAINERS = ("tomcat01", "tomcat-net-01", "tomcat-net-02")

# The tutorial's network: docker network create --driver bridge --subnet 192.168.0.0/16
#   --gateway 192.168.0.1 mynet
DEFAULT_MYNET = {"name": "mynet", "subnet": "192.168.0.0/16", "gateway": "192.168.0.1"}

IMAGE_SETTING = "tomcatImage"
COMMON_KEYS = ("publishAddress", "hostPorts")
MYNET_KEYS = COMMON_KEYS + ("network", "connectTomcat01", "staticIps")
NETWORK_KEYS = ("name", "subnet", "gateway", "ipRange")


@dataclass(frozen=True)
class ImageSettings:
    name: str
    keep_locally: bool = True


@dataclass(frozen=True)
class TomcatScenarioSettings:
    """What every Tomcat scenario has: the image, where ports are published, fixed host ports,
    static IPs (mynet only); `setting` is the scenario's config key, for error messages. Settings name
    containers as the tutorial does; `name_prefix` goes before each name on the engine."""

    image: ImageSettings
    setting: str
    publish_address: str = LOOPBACK
    host_ports: Mapping[str, int] = field(default_factory=dict)
    static_ips: Mapping[str, str] = field(default_factory=dict)
    name_prefix: str = ""

    def spec(self, name: str, static_ip: bool = True) -> TomcatSpec:
        """The container's spec; `static_ip=False` for one that joins the network later (tomcat01),
        whose static IP belongs to its connection."""
        return TomcatSpec(
            name=self.name_prefix + name,
            host_port=self.host_ports.get(name),
            ipv4_address=self.static_ips.get(name) if static_ip else None,
        )

    @property
    def labels(self) -> Dict[str, str]:
        return name_prefix_labels(self.name_prefix)


@dataclass(frozen=True)
class MynetSettings:
    tomcat: TomcatScenarioSettings
    network: BridgeNetworkArgs
    connect_tomcat01: bool = True


def parse_image(image_name: Optional[str], keep_locally: bool = True) -> ImageSettings:
    name = validate_image_name(setting_name(IMAGE_SETTING), DEFAULT_TOMCAT_IMAGE if image_name is None else image_name)
    return ImageSettings(name=name, keep_locally=keep_locally)


def parse_tomcat_scenario(
    scenario: str, raw: Mapping[str, Any], containers: Sequence[str], image: ImageSettings, name_prefix: str = ""
) -> TomcatScenarioSettings:
    """The bridge and link scenarios: publishAddress and hostPorts, nothing else."""
    setting = setting_name(scenario)
    reject_unknown_keys(setting, raw, COMMON_KEYS)
    return _parse_common(setting, raw, containers, image, name_prefix=name_prefix)


def parse_mynet(
    raw: Mapping[str, Any], image: ImageSettings, scenario: str = "mynet", name_prefix: str = ""
) -> MynetSettings:
    setting = setting_name(scenario)
    reject_unknown_keys(setting, raw, MYNET_KEYS)
    network = _parse_network(f"{setting}.network", raw.get("network"), name_prefix)
    validated = validate_bridge(network)
    ips_setting = f"{setting}.staticIps"
    static_ips = plan_static_ips(
        ips_setting,
        _container_map(ips_setting, raw.get("staticIps"), MYNET_CONTAINERS),
        NetworkRef(name=validated.name, user_defined=True, subnet=validated.subnet, gateway=validated.gateway),
    )
    connect = raw.get("connectTomcat01")
    return MynetSettings(
        tomcat=_parse_common(
            setting,
            raw,
            MYNET_CONTAINERS,
            image,
            static_ips={name: str(ip) for name, ip in static_ips.items()},
            name_prefix=name_prefix,
        ),
        network=network,
        connect_tomcat01=True if connect is None else parse_bool(f"{setting}.connectTomcat01", connect),
    )


def _parse_common(
    setting: str,
    raw: Mapping[str, Any],
    containers: Sequence[str],
    image: ImageSettings,
    static_ips: Optional[Mapping[str, str]] = None,
    name_prefix: str = "",
) -> TomcatScenarioSettings:
    publish_address = parse_publish_address(f"{setting}.publishAddress", raw.get("publishAddress", LOOPBACK))
    ports_setting = f"{setting}.hostPorts"
    host_ports = {
        name: parse_host_port(f"{ports_setting}.{name}", value)
        for name, value in _container_map(ports_setting, raw.get("hostPorts"), containers).items()
    }
    require_unique_host_ports(ports_setting, host_ports)
    return TomcatScenarioSettings(
        image=image,
        publish_address=publish_address,
        host_ports=host_ports,
        static_ips=dict(static_ips or {}),
        setting=setting,
        name_prefix=name_prefix,
    )


def _container_map(setting: str, value: Any, containers: Sequence[str]) -> Dict[str, Any]:
    """A {container: value} setting; only the scenario's containers may be named."""
    given = require_mapping(setting, value)
    reject_unknown_keys(setting, given, containers)
    return {name: item for name, item in given.items() if item is not None}


def _parse_network(setting: str, value: Any, name_prefix: str = "") -> BridgeNetworkArgs:
    given = require_mapping(setting, value)
    reject_unknown_keys(setting, given, NETWORK_KEYS)
    merged: Dict[str, Any] = dict(DEFAULT_MYNET)
    if "subnet" in given:
        merged.pop("gateway")  # the tutorial's gateway belongs to the tutorial's subnet only
    merged.update(given)
    name = merged["name"]  # validate_bridge checks it; only a string takes the prefix
    return BridgeNetworkArgs(
        name=name_prefix + name if isinstance(name, str) else name,
        subnet=merged["subnet"],
        gateway=merged.get("gateway"),
        ip_range=merged.get("ipRange"),
        labels=name_prefix_labels(name_prefix),
        setting=setting,
    )
