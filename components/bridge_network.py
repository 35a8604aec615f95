"""BridgeNetwork: a user-defined bridge network, or the engine's default bridge looked up."""
import ipaddress
from dataclasses import dataclass, field
from typing import Mapping, Optional

import pulumi
import pulumi_docker as docker

from .addressing import (default_gateway, parse_ip, parse_subnet, public_subnet_warning,
                         require_host_address, require_in_subnet)
from .errors import ConfigError
from .host_networks import LiveInventory, NetworkInventory, check_subnet_is_free
from .labels import project_labels

DEFAULT_BRIDGE_NAME = "bridge"


@dataclass(frozen=True)
class BridgeNetworkArgs:
    """A user-defined bridge (`docker network create --driver bridge ...`).

    `setting` is the config key these values came from, so errors name what the user typed.
    """
    name: str
    subnet: str
    gateway: Optional[str] = None
    ip_range: Optional[str] = None
    labels: Mapping[str, str] = field(default_factory=dict)
    setting: str = "network"


@dataclass(frozen=True)
class ValidatedBridge:
    name: str
    subnet: ipaddress.IPv4Network
    gateway: ipaddress.IPv4Address
    ip_range: Optional[ipaddress.IPv4Network]


def validate_bridge(args: BridgeNetworkArgs) -> ValidatedBridge:
    """Pure checks of the network's own settings (no engine)."""
    if not args.name or not args.name.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise ConfigError(f"{args.setting}.name", f"{args.name!r} is not a valid network name",
                          "use letters, digits, '-', '_' or '.'")
    if args.name in (DEFAULT_BRIDGE_NAME, "host", "none"):
        raise ConfigError(f"{args.setting}.name", f"'{args.name}' is one of the engine's built-in networks",
                          "choose another name; use BridgeNetwork.default_bridge() to use docker0")
    subnet = parse_subnet(f"{args.setting}.subnet", args.subnet)
    if args.gateway is None:
        gateway = default_gateway(subnet)
    else:
        gateway = parse_ip(f"{args.setting}.gateway", args.gateway)
        require_in_subnet(f"{args.setting}.gateway", gateway, subnet)
        if gateway in (subnet.network_address, subnet.broadcast_address):
            raise ConfigError(f"{args.setting}.gateway",
                              f"{gateway} is the network or broadcast address of {subnet}",
                              f"use a host address such as {default_gateway(subnet)}")
    ip_range = None
    if args.ip_range is not None:
        ip_range = parse_subnet(f"{args.setting}.ipRange", args.ip_range)
        if not ip_range.subnet_of(subnet):
            raise ConfigError(f"{args.setting}.ipRange", f"{ip_range} is not inside {subnet}",
                              f"pick a range inside {subnet}")
    return ValidatedBridge(name=args.name, subnet=subnet, gateway=gateway, ip_range=ip_range)


class BridgeNetwork(pulumi.ComponentResource):
    """A bridge network with outputs name, id, subnet and gateway.

    `BridgeNetwork(name, args)` creates a user-defined bridge; `BridgeNetwork.default_bridge(name)`
    looks up the engine's docker0 network and creates nothing.
    """

    name: pulumi.Output[str]
    network_id: pulumi.Output[str]
    subnet: pulumi.Output[str]
    gateway: pulumi.Output[str]
    is_default: bool

    def __init__(self, resource_name: str, args: Optional[BridgeNetworkArgs] = None,
                 opts: Optional[pulumi.ResourceOptions] = None,
                 inventory: Optional[NetworkInventory] = None,
                 stack: Optional[str] = None,
                 _lookup_default: bool = False) -> None:
        # Validate before registering anything, so bad input creates nothing.
        validated = None if _lookup_default else validate_bridge(_require(args))
        if validated is not None:
            warning = public_subnet_warning(f"{args.setting}.subnet", validated.subnet)  # type: ignore[union-attr]
            check_subnet_is_free(f"{args.setting}.subnet", validated.name, validated.subnet,  # type: ignore[union-attr]
                                 inventory or LiveInventory(), stack)
        super().__init__("docker-networking:index:BridgeNetwork", resource_name, None, opts)
        self.is_default = validated is None
        if validated is None:
            found = docker.get_network_output(name=DEFAULT_BRIDGE_NAME,
                                              opts=pulumi.InvokeOutputOptions(parent=self))
            self.name = found.name
            self.network_id = found.id
            ipam = found.ipam_configs.apply(lambda cfgs: cfgs[0] if cfgs else None)
            self.subnet = ipam.apply(lambda c: (c.subnet or "") if c else "")
            self.gateway = ipam.apply(lambda c: (c.gateway or "") if c else "")
        else:
            if warning:
                pulumi.log.warn(warning, self)
            assert args is not None
            labels = project_labels(stack=stack, component="BridgeNetwork", extra=args.labels)
            network = docker.Network(
                resource_name,
                name=validated.name,
                driver="bridge",
                ipam_configs=[docker.NetworkIpamConfigArgs(
                    subnet=str(validated.subnet),
                    gateway=str(validated.gateway),
                    ip_range=str(validated.ip_range) if validated.ip_range else None,
                )],
                labels=[docker.NetworkLabelArgs(label=k, value=v) for k, v in sorted(labels.items())],
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.resource = network
            self.name = network.name
            self.network_id = network.id
            self.subnet = pulumi.Output.from_input(str(validated.subnet))
            self.gateway = pulumi.Output.from_input(str(validated.gateway))
        self.register_outputs({"name": self.name, "id": self.network_id,
                               "subnet": self.subnet, "gateway": self.gateway})

    @classmethod
    def default_bridge(cls, resource_name: str,
                       opts: Optional[pulumi.ResourceOptions] = None) -> "BridgeNetwork":
        """The engine's default bridge (docker0), looked up rather than created."""
        return cls(resource_name, None, opts, _lookup_default=True)


def _require(args: Optional[BridgeNetworkArgs]) -> BridgeNetworkArgs:
    if args is None:
        raise ConfigError("network", "no network settings were given",
                          "pass BridgeNetworkArgs, or use BridgeNetwork.default_bridge()")
    return args
