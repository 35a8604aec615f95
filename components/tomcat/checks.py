"""Pure checks of container settings: names, published host ports, static IPs, publish address.

No engine and no Pulumi: components and scenarios call these before registering anything, so a
bad value fails `pulumi preview` with a ConfigError naming the setting.
"""

import ipaddress
import re
from typing import Dict, Mapping, Optional, Sequence

from components.errors import ConfigError
from components.network.addressing import default_gateway, parse_ip, require_host_address, require_unique
from components.network.ref import NetworkRef

# The engine's rule for container names (`docker run --name`).
_CONTAINER_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")


def require_container_names(setting: str, names: Sequence[str]) -> None:
    """Valid engine container names, each used once."""
    seen = set()
    for name in names:
        if not isinstance(name, str) or not _CONTAINER_NAME.match(name):
            raise ConfigError(
                setting,
                f"{name!r} is not a valid container name",
                "use two or more letters, digits, '-', '_' or '.', starting with a letter or digit",
            )
        if name in seen:
            raise ConfigError(
                setting, f"the container name '{name}' is used twice", "give every container its own name"
            )
        seen.add(name)


def parse_host_port(setting: str, value: object) -> int:
    """A host port to publish on: 1-65535 (an integer, or its digits as a string from config)."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise ConfigError(
            setting,
            f"{value!r} is not a TCP port",
            "use a number from 1 to 65535, or leave it out for a random free port (as -P)",
        )
    return value


def require_unique_host_ports(setting: str, host_ports: Mapping[str, Optional[int]]) -> None:
    """Two containers cannot publish on the same host port; `None` means a random one."""
    owner: Dict[int, str] = {}
    for container, port in host_ports.items():
        if port is None:
            continue
        if port in owner:
            raise ConfigError(
                f"{setting}.{container}",
                f"host port {port} is already published by {owner[port]}",
                "give every container its own host port, or leave it out for a random one",
            )
        owner[port] = container


def plan_static_ips(
    setting: str, static_ips: Mapping[str, object], network: NetworkRef
) -> Dict[str, ipaddress.IPv4Address]:
    """Checked static IPs by container: on a user-defined network, host addresses, all different."""
    if not static_ips:
        return {}
    if not network.user_defined or network.subnet is None:
        raise ConfigError(
            setting,
            "static IPs are set for containers on the default bridge",
            "the engine only takes static IPs on a user-defined network: remove them",
        )
    gateway = network.gateway if network.gateway is not None else default_gateway(network.subnet)
    planned = {}
    for container, value in static_ips.items():
        address = parse_ip(f"{setting}.{container}", value)
        require_host_address(f"{setting}.{container}", address, network.subnet, gateway)
        planned[container] = address
    require_unique(setting, list(planned.values()))
    return planned


def parse_publish_address(setting: str, value: object) -> str:
    """The host address published ports bind to (127.0.0.1 keeps them on this machine)."""
    address = parse_ip(setting, value)
    return str(address)
