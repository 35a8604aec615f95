"""What a Redis Cluster is, as plain values: RedisClusterArgs, and the checks of those values that need no
engine (addresses and ports are checked by the planner, plan.py).

Pure: no Pulumi resources, no engine, no sockets. The stack's `redis` setting is parsed into these args by
components/redis/settings.py; a program of its own builds them directly.
"""

import ipaddress
from dataclasses import dataclass, field
from typing import Mapping, Optional

from components.errors import ConfigError
from components.images.names import DEFAULT_REDIS_IMAGE

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


def _require_range(setting: str, value: int, low: int, high: Optional[int], fix: str) -> None:
    if value < low or (high is not None and value > high):
        bound = f"at least {low}" if high is None else f"between {low} and {high}"
        raise ConfigError(setting, f"{value} is out of range (must be {bound})", fix)


def validate_args(args: RedisClusterArgs) -> None:
    """Checks of the values that need no engine; addresses and ports are checked by the planner."""
    s = args.setting
    for name in (
        "masters",
        "replicas_per_master",
        "first_host_offset",
        "base_port",
        "bus_base_port",
        "node_timeout_ms",
        "formation_timeout_seconds",
    ):
        value = getattr(args, name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{s}.{_camel(name)}", f"{value!r} is not an integer", "write a whole number")
    _require_range(
        f"{s}.masters",
        args.masters,
        MIN_MASTERS,
        None,
        f"use at least {MIN_MASTERS} masters: a failover needs a majority of masters to agree",
    )
    _require_range(
        f"{s}.replicasPerMaster", args.replicas_per_master, 0, None, "use 0 (no failover) or more replicas per master"
    )
    _require_range(
        f"{s}.nodeTimeoutMs",
        args.node_timeout_ms,
        100,
        None,
        "use a timeout of at least 100 ms (the tutorial uses 5000)",
    )
    _require_range(
        f"{s}.formationTimeoutSeconds", args.formation_timeout_seconds, 5, 3600, "use a number of seconds such as 120"
    )
    try:
        bind = ipaddress.ip_address(args.bind_address)
    except ValueError:
        raise ConfigError(
            f"{s}.bindAddress",
            f"{args.bind_address!r} is not an IPv4 address",
            "use 127.0.0.1 (this machine only, the default) or 0.0.0.0 (every interface)",
        ) from None
    if not isinstance(bind, ipaddress.IPv4Address) or bind.is_multicast or bind.is_reserved:
        raise ConfigError(
            f"{s}.bindAddress",
            f"{args.bind_address!r} cannot be bound by the engine",
            "use 127.0.0.1 (the default) or 0.0.0.0",
        )
    if args.restart_policy not in RESTART_POLICIES:
        raise ConfigError(
            f"{s}.restartPolicy",
            f"{args.restart_policy!r} is not a Docker restart policy",
            f"use one of {', '.join(RESTART_POLICIES)}",
        )
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


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
