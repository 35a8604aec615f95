"""The Redis Cluster's settings: typed, with defaults, and checked before anything is created.

`RedisClusterArgs` is what the RedisCluster component takes. `RedisConfig` declares the stack's structured
`redis` setting (components/schema.py): each key's type, default, bounds and doc, once. `args_from_config`
builds the arguments from it (plus the top-level image and password settings), refusing unknown keys and
values of the wrong type, so a typo fails `pulumi preview` instead of being silently ignored.
`validate_args` checks the values against the same declarations; the component calls it before
registering anything.
"""

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional

from components.errors import ConfigError
from components.images.names import DEFAULT_REDIS_IMAGE
from components.schema import (
    Checked,
    Flag,
    Integer,
    Object,
    OneOf,
    Text,
    check_values,
    declared_settings,
    parse_object,
    setting,
)
from components.settings import setting_name

if TYPE_CHECKING:  # the dynamic providers' host imports this module too: it needs no engine client
    from components.engine.inventory import NetworkInventory
    from components.redis.on_swarm import SwarmPlacement

SETTING = "redis"  # the structured config key: docker-networking:redis
IMAGE_SETTING = "redisImage"
PASSWORD_SETTING = "redisPassword"
KEEP_IMAGES_SETTING = "keepImages"

DEFAULT_IMAGE = DEFAULT_REDIS_IMAGE
# RFC 1918 space; "38" echoes the tutorial's 172.38.0.0/16, which is public address space.
DEFAULT_SUBNET = "10.38.0.0/24"
DEFAULT_NETWORK_NAME = "redis"

MIN_MASTERS = 3  # Redis Cluster needs a majority of masters to agree on a failover
CLIENT_PORT = 6379  # inside every container, as in the tutorial
BUS_PORT = 16379
MAX_PORT = 65535
RESTART_POLICIES = ("no", "on-failure", "always", "unless-stopped")
# Redis reads config lines into a 1024-byte buffer; leave room for "requirepass " and "masterauth ".
MAX_PASSWORD_LENGTH = 512


@dataclass(frozen=True)
class RedisClusterArgs:
    """A Redis Cluster of `masters` masters, each with `replicas_per_master` replicas.

    `password` is the plain value only long enough to be checked; the component makes it a Pulumi
    secret at once. None with `auth` on means: generate one and keep it in the stack's state.

    `inventory` (where the subnets already taken are looked up; None: the live engine and this host's
    routes) and `build_dir` (where each node's redis.conf is written for upload; None: .build/<stack>/<name>)
    say where the component looks and writes, not what the cluster is: they are neither compared nor printed.
    """

    masters: int = 3
    replicas_per_master: int = 1
    network_name: str = DEFAULT_NETWORK_NAME
    subnet: str = DEFAULT_SUBNET
    first_host_offset: int = 11  # the tutorial's .11, .12, ... addresses
    image: str = DEFAULT_IMAGE
    keep_image: bool = True
    base_port: int = 6370  # node N publishes 6379 on base_port + N (the tutorial's 637N)
    bus_base_port: int = 16370  # and 16379 on bus_base_port + N (1637N)
    bind_address: str = "127.0.0.1"
    auth: bool = True
    password: Optional[str] = field(default=None, repr=False)
    node_timeout_ms: int = 5000
    appendonly: bool = True
    restart_policy: str = "unless-stopped"
    formation_timeout_seconds: int = 120
    setting: str = SETTING  # the config key the values came from, for error messages
    labels: Mapping[str, str] = field(default_factory=dict)  # extra labels on every engine object
    inventory: Optional["NetworkInventory"] = field(default=None, compare=False, repr=False)
    build_dir: Optional[Path] = field(default=None, compare=False, repr=False)
    # None: every node a container on one engine. A placement: every node a service on that Swarm node
    # (components/redis/on_swarm.py), the network an overlay on `subnet`, configs and the password as
    # docker configs and secrets.
    swarm: Optional["SwarmPlacement"] = field(default=None, compare=False, repr=False)

    @property
    def node_count(self) -> int:
        return self.masters * (1 + self.replicas_per_master)


_DEFAULTS = RedisClusterArgs()


def _bindable_address(setting: str, value: Any) -> str:
    """An IPv4 address the engine can publish ports on. Whether the engine's host has it is asked where the
    engine is known (scenarios/redis.py)."""
    try:
        bind = ipaddress.ip_address(value) if isinstance(value, str) else None
    except ValueError:
        bind = None
    if bind is None:
        raise ConfigError(
            setting,
            f"{value!r} is not an IPv4 address",
            "use 127.0.0.1 (this machine only, the default) or 0.0.0.0 (every interface)",
        )
    if not isinstance(bind, ipaddress.IPv4Address) or bind.is_multicast or bind.is_reserved:
        raise ConfigError(setting, f"{value!r} cannot be bound by the engine", "use 127.0.0.1 (the default) or 0.0.0.0")
    return value


@dataclass(frozen=True)
class RedisNetworkConfig:
    """docker-networking:redis.network."""

    name: str = setting(Text("network name"), "the network's name", _DEFAULTS.network_name)
    subnet: str = setting(
        Text("IPv4 subnet, CIDR"),
        "must hold `firstHostOffset` + node count addresses; one that overlaps an engine network or a host route "
        "is refused, one outside the private ranges gets a warning",
        _DEFAULTS.subnet,
    )


@dataclass(frozen=True)
class RedisConfig:
    """docker-networking:redis, as a stack file or `pulumi config set --path redis.KEY` gives it. The fields
    are RedisClusterArgs's, and their defaults its defaults."""

    masters: int = setting(
        Integer(
            low=MIN_MASTERS, fix=f"use at least {MIN_MASTERS} masters: a failover needs a majority of masters to agree"
        ),
        "the number of masters (a failover needs a majority of them)",
        _DEFAULTS.masters,
    )
    replicas_per_master: int = setting(
        Integer(low=0, fix="use 0 (no failover) or more replicas per master"),
        "replicas of each master",
        _DEFAULTS.replicas_per_master,
    )
    network: RedisNetworkConfig = setting(Object(RedisNetworkConfig), "the cluster's network", RedisNetworkConfig())
    first_host_offset: int = setting(
        Integer(), "node N gets network address + offset + N − 1 (`.11` … `.16`)", _DEFAULTS.first_host_offset
    )
    base_port: int = setting(Integer(), f"node N publishes {CLIENT_PORT} on `basePort + N`", _DEFAULTS.base_port)
    bus_base_port: int = setting(
        Integer(),
        f"node N publishes the cluster bus {BUS_PORT} on `busBasePort + N`. Ports inside the kernel's ephemeral "
        "range (`/proc/sys/net/ipv4/ip_local_port_range`, often 32768-60999) get a preview warning: any outgoing "
        "connection may hold one when a node starts",
        _DEFAULTS.bus_base_port,
    )
    bind_address: str = setting(
        Checked(_bindable_address, "IPv4 address"),
        "host address the ports are published on: `127.0.0.1`, `0.0.0.0` (every interface: opens them to the "
        "network, with a warning) or an address of the engine's host",
        _DEFAULTS.bind_address,
    )
    auth: bool = setting(Flag(), "`false` turns the password off, on purpose only (with a warning)", _DEFAULTS.auth)
    node_timeout_ms: int = setting(
        Integer(low=100, fix="use a timeout of at least 100 ms (the tutorial uses 5000)"),
        "`cluster-node-timeout`; applied live",
        _DEFAULTS.node_timeout_ms,
    )
    appendonly: bool = setting(Flag(), "`appendonly`; applied live", _DEFAULTS.appendonly)
    restart_policy: str = setting(
        OneOf(RESTART_POLICIES, problem="{value!r} is not a Docker restart policy"),
        "the containers' restart policy",
        _DEFAULTS.restart_policy,
    )
    formation_timeout_seconds: int = setting(
        Integer(low=5, high=3600, fix="use a number of seconds such as 120"),
        "how long the formation waits for a healthy cluster before failing",
        _DEFAULTS.formation_timeout_seconds,
    )


KNOWN_KEYS = tuple(sorted(item.key for item in declared_settings(RedisConfig)))


def args_from_config(
    raw: Optional[Mapping[str, Any]],
    image: Optional[str] = None,
    keep_image: Optional[bool] = None,
    password: Optional[str] = None,
    setting: str = SETTING,
) -> RedisClusterArgs:
    """RedisClusterArgs from the structured `redis` setting as Pulumi stores it; absent keys keep their defaults."""
    return cluster_args(parse_object(RedisConfig, setting, raw), image, keep_image, password, setting)


def cluster_args(
    config: RedisConfig,
    image: Optional[str] = None,
    keep_image: Optional[bool] = None,
    password: Optional[str] = None,
    setting: str = SETTING,
) -> RedisClusterArgs:
    """RedisClusterArgs from the parsed `redis` setting and the stack's top-level ones (None: the default)."""
    values: Dict[str, Any] = {
        item.name: getattr(config, item.name)
        for item in declared_settings(RedisConfig)
        if not isinstance(item.setting.kind, Object)
    }
    given = {"image": image, "keep_image": keep_image, "password": password}
    values.update({name: value for name, value in given.items() if value is not None})
    return RedisClusterArgs(**values, network_name=config.network.name, subnet=config.network.subnet, setting=setting)


def validate_password(setting: str, password: str) -> str:
    """A password Redis accepts on a config line, as one token. The value never appears in a message."""
    if not isinstance(password, str) or password == "":
        raise ConfigError(
            setting,
            "the password is empty",
            f"set one with `pulumi config set --secret {setting} <password>`, or remove the "
            "setting to have one generated",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ConfigError(
            setting, f"the password is {len(password)} characters long", f"use at most {MAX_PASSWORD_LENGTH} characters"
        )
    for char in password:
        if char.isspace():
            raise ConfigError(
                setting, "the password contains whitespace or a line break", "use printable characters without spaces"
            )
        if not char.isprintable() or not char.isascii():
            raise ConfigError(
                setting,
                "the password contains a non-printable or non-ASCII character",
                "use printable ASCII characters",
            )
        if char in "\"'\\":
            raise ConfigError(
                setting,
                "the password contains a quote or a backslash, which the Redis config parser treats specially",
                "use letters, digits and other punctuation",
            )
    return password


def validate_args(args: RedisClusterArgs) -> None:
    """Checks of the values that need no engine, as RedisConfig declares them (a component may be given
    arguments no stack file went through); addresses and ports are checked by the planner."""
    check_values(RedisConfig, args.setting, args)
    if args.auth and args.password is not None:
        validate_password(setting_name(PASSWORD_SETTING), args.password)


def connect_host(bind_address: str) -> str:
    """Where this machine reaches the published ports: 0.0.0.0 binds every interface, loopback among them."""
    return "127.0.0.1" if bind_address == "0.0.0.0" else bind_address


def open_to_network_warning(args: RedisClusterArgs) -> Optional[str]:
    """A warning when the cluster is opened on purpose (no password, or ports on every interface)."""
    problems = []
    if not args.auth:
        problems.append("authentication is off")
    if not ipaddress.ip_address(args.bind_address).is_loopback:
        problems.append(f"its ports are published on {args.bind_address}")
    if not problems:
        return None
    return (
        f"setting '{args.setting}': {' and '.join(problems)}; anyone who can reach those ports can "
        "read and change the data. This is the tutorial's setup, kept only because it was asked for."
    )
