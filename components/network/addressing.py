"""Pure IPv4 address checks and planning: no engine, no Pulumi, tested directly.

Every check raises ConfigError naming the setting, so callers validate before registering resources.
"""

import ipaddress
from typing import Any, Iterable, List, Mapping, Optional, Sequence, Tuple

from components.errors import ConfigError

# RFC 1918: the only IPv4 ranges that are nobody's on the internet.
PRIVATE_RANGES: Tuple[ipaddress.IPv4Network, ...] = (
    ipaddress.IPv4Network("10.0.0.0/8"),
    ipaddress.IPv4Network("172.16.0.0/12"),
    ipaddress.IPv4Network("192.168.0.0/16"),
)


def parse_subnet(setting: str, value: object) -> ipaddress.IPv4Network:
    """An IPv4 subnet in CIDR form with no host bits set, e.g. 192.168.0.0/16."""
    if not isinstance(value, str) or "/" not in value:
        raise ConfigError(
            setting, f"{value!r} is not an IPv4 subnet in CIDR form", "write it as network/prefix, e.g. 10.30.0.0/24"
        )
    try:
        subnet = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise ConfigError(
            setting, f"{value!r} is not an IPv4 subnet in CIDR form", "write it as network/prefix, e.g. 10.30.0.0/24"
        ) from None
    if not isinstance(subnet, ipaddress.IPv4Network):
        raise ConfigError(
            setting, f"{value!r} is IPv6; only IPv4 subnets are supported", "use an IPv4 subnet such as 10.30.0.0/24"
        )
    if str(subnet) != value.strip():
        raise ConfigError(setting, f"{value!r} has host bits set", f"use the network address: {subnet}")
    if subnet.prefixlen > 29:
        raise ConfigError(
            setting,
            f"{value} leaves no room for containers (prefix /{subnet.prefixlen})",
            "use a prefix of /29 or shorter, e.g. /24",
        )
    return subnet


def parse_ip(setting: str, value: object) -> ipaddress.IPv4Address:
    try:
        address = ipaddress.ip_address(value)  # type: ignore[arg-type]
    except ValueError:
        raise ConfigError(
            setting, f"{value!r} is not an IPv4 address", "write a dotted address such as 10.30.0.11"
        ) from None
    if not isinstance(address, ipaddress.IPv4Address):
        raise ConfigError(setting, f"{value!r} is IPv6", "use an IPv4 address")
    return address


def default_gateway(subnet: ipaddress.IPv4Network) -> ipaddress.IPv4Address:
    """The engine's own choice when none is given: the first host address."""
    return subnet.network_address + 1


def require_in_subnet(setting: str, address: ipaddress.IPv4Address, subnet: ipaddress.IPv4Network) -> None:
    if address not in subnet:
        raise ConfigError(setting, f"{address} is outside the subnet {subnet}", f"pick an address inside {subnet}")


def require_host_address(
    setting: str, address: ipaddress.IPv4Address, subnet: ipaddress.IPv4Network, gateway: ipaddress.IPv4Address
) -> None:
    """A container address: inside the subnet, and not its network, broadcast or gateway address."""
    require_in_subnet(setting, address, subnet)
    if address == subnet.network_address:
        raise ConfigError(
            setting,
            f"{address} is the network address of {subnet}",
            f"pick a host address between {subnet.network_address + 1} and {subnet.broadcast_address - 1}",
        )
    if address == subnet.broadcast_address:
        raise ConfigError(
            setting,
            f"{address} is the broadcast address of {subnet}",
            f"pick a host address below {subnet.broadcast_address}",
        )
    if address == gateway:
        raise ConfigError(
            setting,
            f"{address} is the gateway of {subnet}",
            "pick another address; the gateway belongs to the host side of the bridge",
        )


def require_unique(setting: str, addresses: Sequence[ipaddress.IPv4Address]) -> None:
    seen = set()
    for address in addresses:
        if address in seen:
            raise ConfigError(setting, f"{address} is used twice", "give every container its own address")
        seen.add(address)


def is_private(subnet: ipaddress.IPv4Network) -> bool:
    return any(subnet.subnet_of(private) for private in PRIVATE_RANGES)


def public_subnet_warning(setting: str, subnet: ipaddress.IPv4Network) -> Optional[str]:
    """A warning (not an error) for a subnet outside RFC 1918, like the tutorial's 172.38.0.0/16."""
    if is_private(subnet):
        return None
    return (
        f"setting '{setting}': {subnet} is public address space, not a private range "
        "(10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16); hosts on the internet that own it become "
        "unreachable from this machine. Use a private subnet unless you mean it."
    )


def overlaps(
    subnet: ipaddress.IPv4Network, others: Iterable[Tuple[str, ipaddress.IPv4Network]]
) -> List[Tuple[str, ipaddress.IPv4Network]]:
    """The named subnets among `others` that share addresses with `subnet`."""
    return [(name, other) for name, other in others if subnet.overlaps(other)]


def host_addresses(
    subnet: ipaddress.IPv4Network, first_offset: int, count: int, setting: str
) -> List[ipaddress.IPv4Address]:
    """`count` consecutive addresses from network+first_offset (the tutorial's .11-.16 pattern)."""
    first = subnet.network_address + first_offset
    last = first + (count - 1)
    if count < 1 or last >= subnet.broadcast_address:
        raise ConfigError(
            setting,
            f"{subnet} is too small for {count} addresses starting at {first}",
            "use a larger subnet (a /24 fits 200 nodes)",
        )
    return [first + i for i in range(count)]


def ipv4_pools(
    ipam_configs: Optional[Iterable[Mapping[str, Any]]], subnet_key: str = "Subnet"
) -> List[Tuple[ipaddress.IPv4Network, Mapping[str, Any]]]:
    """The IPv4 pools of a network's IPAM config, in order, each with its config entry; IPv6 pools and
    subnets that do not parse are left out. The engine's API writes `Subnet`, pulumi-docker's outputs `subnet`."""
    pools = []
    for config in ipam_configs or []:
        try:
            subnet = ipaddress.ip_network(config.get(subnet_key) or "", strict=False)
        except ValueError:
            continue
        if isinstance(subnet, ipaddress.IPv4Network):
            pools.append((subnet, config))
    return pools
