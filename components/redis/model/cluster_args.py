"""What a Redis Cluster is, as plain values: RedisClusterArgs; RedisConfig, which declares once each of
its settings' key, type, bounds and doc (components/schema.py); and the checks of the values that need no
engine (addresses and ports are checked by the planner, plan.py).

Pure: no Pulumi resources, no engine, no sockets. A stack's `redis` setting is parsed with RedisConfig into
these args (components/redis/settings.py); a program of its own builds them directly, and validate_args
checks them against the same declarations.
"""

import ipaddress
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from components.errors import ConfigError
from components.images.names import DEFAULT_REDIS_IMAGE
from components.schema import Checked, Flag, Integer, Object, OneOf, Text, check_values, setting

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

    `setting`, `password_setting` and `image_setting` are the names the values came under, for error
    messages (a stack's `docker-networking:redis`, `docker-networking:redisPassword`, `...:redisImage`).
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
    setting: str = "redis"
    password_setting: str = "password"
    image_setting: str = "image"
    labels: Mapping[str, str] = field(default_factory=dict)  # extra labels on every engine object

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
        validate_password(args.password_setting, args.password)


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
