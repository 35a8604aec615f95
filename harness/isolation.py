"""What keeps a test or benchmark run apart from what a person deployed on the same engine.

A run deploys the shipped stacks with a `namePrefix` of its own (every container, network and volume
name starts with it and carries it as a label), on subnets no engine network or host route uses, and on
host ports nothing listens on. Its cleanup removes only what carries its own prefix label.
"""

import ipaddress
import random
import re
import secrets
import socket
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Set, Tuple, TypeVar

from components.engine.client import EngineClient
from components.engine.inventory import LiveInventory, NetworkInventory
from components.ephemeral_ports import ephemeral_range
from components.labels import NAME_PREFIX_LABEL, PROJECT_LABEL, PROJECT_VALUE
from components.redis.settings import SETTING as REDIS_SETTING
from scenarios.stack_settings import NAME_PREFIX_SETTING

# The prefixes runs use: `make clean` removes leftovers whose prefix label has this form, nothing else.
RUN_KINDS = ("it", "bench", "soak")
RUN_PREFIX = re.compile(r"(?:%s)-[0-9a-f]{6}-" % "|".join(RUN_KINDS))
# Where runs take their subnets: /24s of 10.200.0.0/13, far from the stacks' defaults (10.38.0.0/24,
# 192.168.0.0/16) and from the engine's default pools (172.17-31.x, 192.168.x).
SUBNET_POOL = ipaddress.IPv4Network("10.200.0.0/13")
RUN_SUBNET_PREFIX = 24
LOWEST_PORT = 20000  # above the stacks' defaults (637N, 1637N, 8080) and Docker's well-known ports
PORT_STEP = 10  # bases end in 0, so node N's port ends in N, as the tutorial's 637N
DEFAULT_PORT_COUNT = 32
# Where /proc/sys/net/ipv4/ip_local_port_range cannot be read: Linux's default.
DEFAULT_EPHEMERAL_LOW = 32768
T = TypeVar("T")


def run_prefix(kind: str) -> str:
    if kind not in RUN_KINDS:
        raise ValueError(f"unknown run kind {kind!r}: use one of {', '.join(RUN_KINDS)}")
    return f"{kind}-{secrets.token_hex(3)}-"


def carries_prefix(labels: Optional[Mapping[str, str]], prefix: str) -> bool:
    """Whether an engine object's labels mark it as the project's, deployed with `prefix`."""
    labels = labels or {}
    return labels.get(PROJECT_LABEL) == PROJECT_VALUE and labels.get(NAME_PREFIX_LABEL) == prefix


def port_is_free(port: int) -> bool:
    """Nothing listens on `port`, on loopback nor on every interface (where the engine publishes)."""
    for address in ("127.0.0.1", "0.0.0.0"):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((address, port))
            except OSError:
                return False
    return True


def engine_published_ports() -> Set[int]:
    """Host ports the engine publishes for running containers. An engine without its userland proxy
    (iptables only) holds them without listening, so a bind probe alone would find them free."""
    with EngineClient() as client:
        running = client.containers()
    return {
        port["PublicPort"] for container in running for port in container.get("Ports") or [] if port.get("PublicPort")
    }


def _ephemeral_low() -> int:
    found = ephemeral_range()
    return found[0] if found else DEFAULT_EPHEMERAL_LOW


def merge_config(defaults: Mapping[str, Any], given: Mapping[str, Any]) -> Dict[str, Any]:
    """`given` over `defaults`, object by object: a test that sets `staticIps` keeps the run's subnet."""
    merged: Dict[str, Any] = dict(defaults)
    for key, value in given.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_config(merged[key], value)
        else:
            merged[key] = value
    return merged


@dataclass
class RunIsolation:
    """One run's prefix, and the subnets and port blocks it has taken so far (one per purpose).

    `inventory` None reads the live engine and route table anew for every new subnet: a run takes its
    subnets over minutes, while other networks come and go. The other fields replace the machine in
    unit tests.
    """

    prefix: str
    inventory: Optional[NetworkInventory] = None
    probe_port: Callable[[int], bool] = port_is_free
    engine_ports: Callable[[], Set[int]] = engine_published_ports
    ephemeral_low: int = field(default_factory=_ephemeral_low)
    rng: random.Random = field(default_factory=random.Random)
    # (index, count): this run is one of `count` that run at once (parallel test workers): it takes only
    # every count-th subnet and port base, so two of them never pick the same one in the same instant.
    share: Tuple[int, int] = (0, 1)
    subnets: Dict[str, ipaddress.IPv4Network] = field(default_factory=dict)
    port_blocks: Dict[str, range] = field(default_factory=dict)

    def __post_init__(self) -> None:
        index, count = self.share
        if not 0 <= index < count:
            raise ValueError(f"share {self.share}: the index must be one of range({count})")
        if not RUN_PREFIX.fullmatch(self.prefix):
            raise ValueError(
                f"{self.prefix!r} is not a run prefix (it-, bench- or soak-xxxxxx-): "
                "cleanup could not tell the run's objects from a person's"
            )

    @classmethod
    def new(cls, kind: str, **machine: Any) -> "RunIsolation":
        return cls(prefix=run_prefix(kind), **machine)

    @property
    def labels(self) -> Dict[str, str]:
        """The labels every object of this run carries (what its cleanup looks for)."""
        return {PROJECT_LABEL: PROJECT_VALUE, NAME_PREFIX_LABEL: self.prefix}

    def owns(self, labels: Optional[Mapping[str, str]]) -> bool:
        return carries_prefix(labels, self.prefix)

    def name(self, tutorial_name: str) -> str:
        """The engine name of one of the tutorial's objects in this run."""
        return self.prefix + tutorial_name

    def subnet(self, purpose: str) -> ipaddress.IPv4Network:
        """A /24 no engine network, host route or other purpose of this run uses; the same for one purpose."""
        if purpose not in self.subnets:
            taken = self._taken_subnets()
            candidates = self._my_share(list(SUBNET_POOL.subnets(new_prefix=RUN_SUBNET_PREFIX)))
            self.rng.shuffle(candidates)  # two runs at once rarely pick the same one
            free = next((c for c in candidates if not any(c.overlaps(other) for other in taken)), None)
            if free is None:
                raise RuntimeError(
                    f"no free /{RUN_SUBNET_PREFIX} left in {SUBNET_POOL} for {purpose}: "
                    "remove leftovers of earlier runs with `make clean`"
                )
            self.subnets[purpose] = free
        return self.subnets[purpose]

    def _my_share(self, candidates: List[T]) -> List[T]:
        index, count = self.share
        return candidates[index::count]

    def _taken_subnets(self) -> List[ipaddress.IPv4Network]:
        inventory = self.inventory if self.inventory is not None else LiveInventory()
        taken = [subnet for network in inventory.engine_networks() for subnet in network.subnets]
        taken += [route.destination for route in inventory.host_routes()]
        return taken + list(self.subnets.values())

    def port_base(self, purpose: str, count: int = DEFAULT_PORT_COUNT) -> int:
        """A base port B with B+1 ... B+count free, below the ephemeral range (where the kernel may hand a
        port to any outgoing connection), apart from this run's other purposes; the same for one purpose."""
        if purpose not in self.port_blocks:
            highest_base = self.ephemeral_low - count - 1
            bases = self._my_share(list(range(LOWEST_PORT, highest_base + 1, PORT_STEP)))
            if not bases:
                raise RuntimeError(
                    f"no room for {count} ports between {LOWEST_PORT} and the ephemeral range "
                    f"(from {self.ephemeral_low}) for {purpose}"
                )
            self.rng.shuffle(bases)
            unavailable = self.engine_ports() | {port for block in self.port_blocks.values() for port in block}
            base = next((b for b in bases if self._block_is_free(range(b, b + count + 1), unavailable)), None)
            if base is None:
                raise RuntimeError(
                    f"no {count} free consecutive ports between {LOWEST_PORT} and {self.ephemeral_low} for {purpose}"
                )
            self.port_blocks[purpose] = range(base, base + count + 1)
        return self.port_blocks[purpose].start

    def _block_is_free(self, block: range, unavailable: Set[int]) -> bool:
        return not unavailable.intersection(block) and all(self.probe_port(port) for port in block[1:])

    def redis_ports(self, purpose: str) -> Dict[str, int]:
        """A Redis Cluster's `basePort` and `busBasePort`: two blocks taken for `purpose` (the stack's
        name for its own ports; another purpose gives the same stack a second range to move to)."""
        return {"basePort": self.port_base(purpose), "busBasePort": self.port_base(f"{purpose}-bus")}

    def stack_config(self, stack: str, scenario: str) -> Dict[str, Any]:
        """The settings that put a shipped stack beside a person's: this run's prefix, and for the stacks
        with a network or fixed ports of their own a subnet and port blocks taken for `stack`. The
        Tomcat stacks publish on random ports already."""
        config: Dict[str, Any] = {NAME_PREFIX_SETTING: self.prefix}
        if scenario == "mynet":
            subnet = self.subnet(stack)
            # The tutorial gives mynet's gateway; without it the engine would not report one.
            config["mynet"] = {"network": {"subnet": str(subnet), "gateway": str(subnet.network_address + 1)}}
        elif scenario == REDIS_SETTING:
            config[REDIS_SETTING] = {"network": {"subnet": str(self.subnet(stack))}, **self.redis_ports(stack)}
        elif scenario == "modes":
            # tomcat-host listens on the host itself: a port nothing else holds, not the tutorial's 8080.
            config["modes"] = {"hostPort": self.port_base(stack, 1) + 1}
        return config
