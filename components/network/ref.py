"""NetworkRef: what a container needs to know about the network it joins."""

import ipaddress
from dataclasses import dataclass
from typing import Optional

import pulumi

# docker0, the engine's default bridge: every container joins it unless told otherwise.
DEFAULT_BRIDGE_NAME = "bridge"


@dataclass(frozen=True)
class NetworkRef:
    """A network by name; for a user-defined one also its subnet and gateway, to check static IPs.

    The default bridge is joined through the container's network mode (as `docker run` does) and
    takes no static IPs; a user-defined network is joined as an attachment that may carry one.
    """

    name: pulumi.Input[str]
    user_defined: bool
    subnet: Optional[ipaddress.IPv4Network] = None
    gateway: Optional[ipaddress.IPv4Address] = None

    @classmethod
    def default_bridge(cls) -> "NetworkRef":
        return cls(name=DEFAULT_BRIDGE_NAME, user_defined=False)
