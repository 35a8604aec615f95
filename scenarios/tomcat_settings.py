"""The settings of the three Tomcat scenarios (bridge, link, mynet): declared, then checked together.

Each stack's settings are declared once below (components/schema.py: key, type, default, doc), its
scenario's own under `docker-networking:<scenario>`; the functions at the end turn them into what the
scenario deploys, with the checks that look at several settings at once (static IPs on the network, host
ports used twice). Pure: a ConfigError naming the setting for anything wrong.
"""

from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Sequence

from components.images.names import DEFAULT_TOMCAT_IMAGE
from components.labels import name_prefix_labels
from components.network.bridge import BridgeNetworkArgs, validate_bridge
from components.network.ref import NetworkRef
from components.schema import Checked, Flag, MapOf, Object, Text, setting
from components.settings import setting_name
from components.tomcat.checks import parse_host_port, parse_publish_address, plan_static_ips, require_unique_host_ports
from components.tomcat.container import LOOPBACK, TomcatSpec

from .stack_settings import IMAGE_REFERENCE, StackConfig

BRIDGE_CONTAINERS = ("tomcat01", "tomcat02")
LINK_CONTAINERS = ("tomcat01", "tomcat02", "tomcat03")
MYNET_CONTAINERS = ("tomcat01", "tomcat-net-01", "tomcat-net-02")

# The tutorial's network: docker network create --driver bridge --subnet 192.168.0.0/16
#   --gateway 192.168.0.1 mynet
IMAGE_SETTING = "tomcatImage"  # the key of TomcatStackConfig.tomcat_image
TUTORIAL_SUBNET = "192.168.0.0/16"
TUTORIAL_GATEWAY = "192.168.0.1"

HOST_PORT = Checked(parse_host_port, "TCP port, 1–65535")


@dataclass(frozen=True)
class TomcatStackConfig(StackConfig):
    """What every stack that runs Tomcat has."""

    tomcat_image: str = setting(
        IMAGE_REFERENCE,
        "the Tomcat image; where no registry answers, `make up` switches to `docker-networking/tomcat:local`",
        DEFAULT_TOMCAT_IMAGE,
    )


def _host_ports(containers: Sequence[str]) -> Any:
    return setting(
        MapOf(HOST_PORT, "container", tuple(containers)),
        "fixed host ports by container, e.g. `{tomcat01: 8081}`; the others get a random free port, as `-P` does. "
        "A fixed port inside the kernel's ephemeral range (`/proc/sys/net/ipv4/ip_local_port_range`, often "
        "32768-60999) gets a preview warning: an outgoing connection may hold it when the container starts",
        {},
    )


@dataclass(frozen=True)
class PublishingConfig:
    publish_address: str = setting(
        Checked(parse_publish_address, "IPv4 address"),
        "host address Tomcat's 8080 is published on: `127.0.0.1`, `0.0.0.0` (every interface, as `-P` does) or "
        "an address of the engine's host",
        LOOPBACK,
    )


@dataclass(frozen=True)
class BridgeConfig(PublishingConfig):
    host_ports: Mapping[str, int] = _host_ports(BRIDGE_CONTAINERS)


@dataclass(frozen=True)
class LinkConfig(PublishingConfig):
    host_ports: Mapping[str, int] = _host_ports(LINK_CONTAINERS)


@dataclass(frozen=True)
class MynetNetworkConfig:
    name: str = setting(Text("network name"), "the user-defined network's name", "mynet")
    subnet: Optional[str] = setting(
        Text("IPv4 subnet, CIDR"),
        "it often overlaps a home or office LAN: a subnet that overlaps an engine network or a route of this host is "
        "refused (pick e.g. `10.30.0.0/24`), one outside the private ranges gets a warning",
        shown_default=f"`{TUTORIAL_SUBNET}`",
    )
    gateway: Optional[str] = setting(
        Text("IPv4 address"),
        "the network's gateway, inside the subnet",
        shown_default=f"`{TUTORIAL_GATEWAY}` with the tutorial's subnet; with another, the engine's choice (its "
        "first address)",
    )
    ip_range: Optional[str] = setting(
        Text("IPv4 subnet, CIDR"), "the part of the subnet the engine hands addresses out from"
    )


@dataclass(frozen=True)
class MynetConfig(PublishingConfig):
    host_ports: Mapping[str, int] = _host_ports(MYNET_CONTAINERS)
    network: MynetNetworkConfig = setting(Object(MynetNetworkConfig), "the user-defined network", MynetNetworkConfig())
    connect_tomcat01: bool = setting(
        Flag(),
        "connect the running `tomcat01` to the network; `false` then `true` shows the connection happen on a "
        "running container",
        True,
    )
    static_ips: Mapping[str, str] = setting(
        MapOf(Text("IPv4 address"), "container", MYNET_CONTAINERS),
        "static IPs on the network by container: `tomcat-net-01`, `tomcat-net-02`, and `tomcat01` (its address "
        "once connected)",
        {},
    )


@dataclass(frozen=True)
class BridgeStackConfig(TomcatStackConfig):
    bridge: BridgeConfig = setting(Object(BridgeConfig), "scenario 1, the default bridge", BridgeConfig())


@dataclass(frozen=True)
class LinkStackConfig(TomcatStackConfig):
    link: LinkConfig = setting(Object(LinkConfig), "scenario 2, --link", LinkConfig())


@dataclass(frozen=True)
class MynetStackConfig(TomcatStackConfig):
    mynet: MynetConfig = setting(Object(MynetConfig), "scenario 3, a user-defined network", MynetConfig())


# --- what the scenarios deploy ---------------------------------------------------------------------------


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


def image_settings(stack: TomcatStackConfig) -> ImageSettings:
    return ImageSettings(name=stack.tomcat_image, keep_locally=stack.keep_images)


def bridge_settings(stack: BridgeStackConfig) -> TomcatScenarioSettings:
    return _scenario_settings("bridge", stack.bridge.publish_address, stack.bridge.host_ports, stack)


def link_settings(stack: LinkStackConfig) -> TomcatScenarioSettings:
    return _scenario_settings("link", stack.link.publish_address, stack.link.host_ports, stack)


def mynet_settings(stack: MynetStackConfig) -> MynetSettings:
    config, setting_key = stack.mynet, setting_name("mynet")
    network = _mynet_network(f"{setting_key}.network", config.network, stack.name_prefix)
    validated = validate_bridge(network)
    static_ips = plan_static_ips(
        f"{setting_key}.staticIps",
        config.static_ips,
        NetworkRef(name=validated.name, user_defined=True, subnet=validated.subnet, gateway=validated.gateway),
    )
    tomcat = _scenario_settings(
        "mynet",
        config.publish_address,
        config.host_ports,
        stack,
        static_ips={name: str(ip) for name, ip in static_ips.items()},
    )
    return MynetSettings(tomcat=tomcat, network=network, connect_tomcat01=config.connect_tomcat01)


def _scenario_settings(
    scenario: str,
    publish_address: str,
    host_ports: Mapping[str, int],
    stack: TomcatStackConfig,
    static_ips: Optional[Mapping[str, str]] = None,
) -> TomcatScenarioSettings:
    setting_key = setting_name(scenario)
    require_unique_host_ports(f"{setting_key}.hostPorts", host_ports)
    return TomcatScenarioSettings(
        image=image_settings(stack),
        publish_address=publish_address,
        host_ports=dict(host_ports),
        static_ips=dict(static_ips or {}),
        setting=setting_key,
        name_prefix=stack.name_prefix,
    )


def _mynet_network(setting_key: str, config: MynetNetworkConfig, name_prefix: str) -> BridgeNetworkArgs:
    # The tutorial's gateway belongs to the tutorial's subnet only.
    subnet = TUTORIAL_SUBNET if config.subnet is None else config.subnet
    gateway = config.gateway or TUTORIAL_GATEWAY if config.subnet is None else config.gateway
    return BridgeNetworkArgs(
        name=name_prefix + config.name,
        subnet=subnet,
        gateway=gateway,
        ip_range=config.ip_range,
        labels=name_prefix_labels(name_prefix),
        setting=setting_key,
    )
