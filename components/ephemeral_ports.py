"""Published host ports inside the kernel's ephemeral range: a warning, not an error.

Linux hands ports of that range (often 32768-60999) to outgoing connections and to servers that listen on
port 0, Pulumi's own plugins among them; a fixed host port there may be taken when a container starts
("bind: address already in use"). Seen once in this project's CI.
"""

from pathlib import Path
from typing import Iterable, Optional, Tuple

PORT_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")


def ephemeral_range(source: Path = PORT_RANGE_FILE) -> Optional[Tuple[int, int]]:
    """This machine's range, or None where it cannot be read (not Linux)."""
    try:
        low, high = (int(x) for x in source.read_text().split())
    except (OSError, ValueError):
        return None
    return low, high


def ephemeral_port_warning(setting: str, ports: Iterable[int], port_range: Optional[Tuple[int, int]]) -> Optional[str]:
    if port_range is None:
        return None
    low, high = port_range
    inside = sorted(port for port in ports if low <= port <= high)
    if not inside:
        return None
    return (
        f"setting '{setting}': host ports {inside[0]}-{inside[-1]} are in this machine's ephemeral port "
        f"range ({low}-{high}), which the kernel hands to outgoing connections; a container may fail "
        f"to publish its port (address already in use). Fix: choose ports below {low}"
    )
