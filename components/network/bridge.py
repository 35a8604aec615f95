"""BridgeNetwork, a user-defined bridge network; and look_up_default_bridge, the engine's docker0 looked up."""

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence, Tuple

import pulumi
import pulumi_docker as docker

from components.engine.inventory import NetworkInventory, check_subnet_is_free, inventory_or_default
from components.errors import ConfigError
from components.labels import project_labels
from components.network.addressing import (
    default_gateway,
    ipv4_pools,
    parse_ip,
    parse_subnet,
    public_subnet_warning,
    require_in_subnet,
)
from components.network.provider import DockerNetwork, DockerNetworkArgs
from components.network.ref import DEFAULT_BRIDGE_NAME, NetworkRef

# The engine's own rule for network names (docker network create rejects anything else).
_NETWORK_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")
_BUILT_IN_NETWORKS = (DEFAULT_BRIDGE_NAME, "host", "none")
PULUMI_DOCKER_NETWORK = "docker:index/network:Network"
TYPE_TOKEN = "docker-networking:index:BridgeNetwork"


@dataclass(frozen=True)
class BridgeNetworkArgs:
    """A user-defined bridge (`docker network create --driver bridge ...`).

    `setting` is the config key these values came from, so errors name what the user typed. `inventory` is
    where the subnets already taken are looked up before anything is created; None is the live engine and
    this host's routes (components.engine.inventory.default_inventory). It says how to check, not what to
    deploy, so two args that differ only in it are equal and it is not printed.
    """

    name: str
    subnet: str
    gateway: Optional[str] = None
    ip_range: Optional[str] = None
    labels: Mapping[str, str] = field(default_factory=dict)
    setting: str = "network"
    inventory: Optional[NetworkInventory] = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class ValidatedBridge:
    name: str
    subnet: ipaddress.IPv4Network
    gateway: ipaddress.IPv4Address
    ip_range: Optional[ipaddress.IPv4Network]


def validate_bridge(args: BridgeNetworkArgs) -> ValidatedBridge:
    """Pure checks of the network's own settings (no engine)."""
    if not isinstance(args.name, str) or not _NETWORK_NAME.match(args.name):
        raise ConfigError(
            f"{args.setting}.name",
            f"{args.name!r} is not a valid network name",
            "start with a letter or digit, then use letters, digits, '-', '_' or '.'",
        )
    if args.name in _BUILT_IN_NETWORKS:
        raise ConfigError(
            f"{args.setting}.name",
            f"'{args.name}' is one of the engine's built-in networks",
            "choose another name; use look_up_default_bridge() to use docker0",
        )
    subnet = parse_subnet(f"{args.setting}.subnet", args.subnet)
    if args.gateway is None:
        gateway = default_gateway(subnet)
    else:
        gateway = parse_ip(f"{args.setting}.gateway", args.gateway)
        require_in_subnet(f"{args.setting}.gateway", gateway, subnet)
        if gateway in (subnet.network_address, subnet.broadcast_address):
            raise ConfigError(
                f"{args.setting}.gateway",
                f"{gateway} is the network or broadcast address of {subnet}",
                f"use a host address such as {default_gateway(subnet)}",
            )
    ip_range = None
    if args.ip_range is not None:
        ip_range = parse_subnet(f"{args.setting}.ipRange", args.ip_range)
        if not ip_range.subnet_of(subnet):
            raise ConfigError(
                f"{args.setting}.ipRange", f"{ip_range} is not inside {subnet}", f"pick a range inside {subnet}"
            )
    return ValidatedBridge(name=args.name, subnet=subnet, gateway=gateway, ip_range=ip_range)


def default_bridge_addressing(ipam_configs: Sequence[Mapping[str, Any]]) -> Tuple[str, str]:
    """(subnet, gateway) of docker0 from its IPAM configs, IPv4 only.

    The engine leaves the gateway out of docker0's IPAM config; the daemon gives the bridge the
    subnet's first address (unless started with --bip), so that is the answer when none is recorded.
    """
    for network, config in ipv4_pools(ipam_configs, subnet_key="subnet")[:1]:
        return str(network), config.get("gateway") or str(default_gateway(network))
    return "", ""


class BridgeNetwork(pulumi.ComponentResource):
    """A user-defined bridge network. Outputs: name, network_id, subnet and gateway.

    The settings, and the subnet against the engine's networks and the host's routes, are checked before
    anything is registered, so bad input creates nothing. docker0 is no BridgeNetwork: look_up_default_bridge.
    """

    name: pulumi.Output[str]
    network_id: pulumi.Output[str]
    subnet: pulumi.Output[str]
    gateway: pulumi.Output[str]
    settings: ValidatedBridge  # the checked settings: plain values, known at preview
    resource: DockerNetwork

    def __init__(
        self, resource_name: str, args: BridgeNetworkArgs, opts: Optional[pulumi.ResourceOptions] = None
    ) -> None:
        args = _require(args)
        settings = validate_bridge(args)
        warning = public_subnet_warning(f"{args.setting}.subnet", settings.subnet)
        stack = pulumi.get_stack()
        check_subnet_is_free(
            f"{args.setting}.subnet", settings.name, settings.subnet, inventory_or_default(args.inventory), stack
        )
        super().__init__(TYPE_TOKEN, resource_name, None, opts)
        self.settings = settings
        if warning:
            pulumi.log.warn(warning, self)
        labels = project_labels(stack=stack, component="BridgeNetwork", extra=args.labels)
        self.resource = DockerNetwork(
            resource_name,
            DockerNetworkArgs(
                name=settings.name,
                subnet=str(settings.subnet),
                gateway=str(settings.gateway),
                ip_range=str(settings.ip_range) if settings.ip_range else None,
                labels=labels,
            ),
            # Stacks deployed before this resource existed hold a pulumi-docker Network under this name.
            opts=pulumi.ResourceOptions(parent=self, aliases=[pulumi.Alias(type_=PULUMI_DOCKER_NETWORK)]),
        )
        self.name = self.resource.name
        self.network_id = self.resource.id
        self.subnet = pulumi.Output.from_input(str(settings.subnet))
        self.gateway = pulumi.Output.from_input(str(settings.gateway))
        self.register_outputs(
            {"name": self.name, "network_id": self.network_id, "subnet": self.subnet, "gateway": self.gateway}
        )

    def ref(self) -> NetworkRef:
        """What a container needs to join this network (and to check a static IP against it)."""
        return NetworkRef(name=self.name, user_defined=True, subnet=self.settings.subnet, gateway=self.settings.gateway)


@dataclass(frozen=True)
class DefaultBridge:
    """The engine's default bridge (docker0), looked up: the outputs of a BridgeNetwork, and no resource."""

    name: pulumi.Output[str]
    network_id: pulumi.Output[str]
    subnet: pulumi.Output[str]
    gateway: pulumi.Output[str]

    def ref(self) -> NetworkRef:
        """Containers join docker0 through their network mode, as `docker run` does."""
        return NetworkRef.default_bridge()


def look_up_default_bridge(opts: Optional[pulumi.InvokeOutputOptions] = None) -> DefaultBridge:
    """docker0 as the engine has it (pulumi-docker's getNetwork). It is the engine's own, so a program only
    reads it: nothing is registered and a stack's state holds nothing of it."""
    found = docker.get_network_output(name=DEFAULT_BRIDGE_NAME, opts=opts)
    addressing = found.ipam_configs.apply(default_bridge_addressing)
    return DefaultBridge(
        name=found.name,
        network_id=found.id,
        subnet=addressing.apply(lambda pair: pair[0]),
        gateway=addressing.apply(lambda pair: pair[1]),
    )


def _require(args: Optional[BridgeNetworkArgs]) -> BridgeNetworkArgs:
    if args is None:
        raise ConfigError(
            "network",
            "no network settings were given",
            "pass BridgeNetworkArgs, or use look_up_default_bridge() for docker0",
        )
    return args
