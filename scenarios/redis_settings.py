"""The settings of the stacks that run the Redis Cluster: `redis` on one engine, `swarm` on a Docker Swarm.

Declared once (components/schema.py): the top-level ones here, the cluster's own (`docker-networking:redis`)
in components/redis/settings.py, beside the component's arguments they become.
"""

from dataclasses import dataclass
from typing import Any, List, Mapping, Optional

from components.errors import ConfigError
from components.images.names import DEFAULT_REDIS_IMAGE
from components.redis.settings import IMAGE_SETTING, PASSWORD_SETTING, SETTING, RedisConfig
from components.schema import Checked, Object, Text, setting

from .stack_settings import IMAGE_REFERENCE, StackConfig, node_engines


@dataclass(frozen=True)
class RedisStackConfig(StackConfig):
    redis_image: str = setting(
        IMAGE_REFERENCE,
        "the node image; any image with `redis-server` ≥ 5 on `PATH`",
        DEFAULT_REDIS_IMAGE,
        key=IMAGE_SETTING,
    )
    redis_password: Optional[str] = setting(
        Text("string, a secret"),
        "set with `pulumi config set --secret redisPassword …`; 1–512 printable ASCII characters, no whitespace, "
        "quotes or backslash",
        shown_default="*(unset: generated)*",
        key=PASSWORD_SETTING,
    )
    redis: RedisConfig = setting(Object(RedisConfig), "the cluster", RedisConfig(), key=SETTING)


def node_hostnames(setting_key: str, value: Any) -> List[str]:
    """Swarm node hostnames, each once; empty: let the stack choose."""
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ConfigError(
            setting_key, f"{value!r} is not a list of node hostnames", "write e.g. [dn-swarm1, dn-swarm2]"
        )
    if len(set(value)) != len(value):
        raise ConfigError(setting_key, "a node is named twice", "name each Swarm node once")
    return list(value)


@dataclass(frozen=True)
class SwarmConfig:
    nodes: List[str] = setting(
        Checked(node_hostnames, "list of node hostnames"),
        "the Swarm nodes to run on, in order. Masters go round-robin over them, then replicas, so that no master "
        "shares a node with its own replica: it needs as many nodes as copies of a slot (2 with one replica each)",
        [],
        shown_default="*(empty: every ready node, the manager first)*",
    )
    node_engines: Mapping[str, str] = node_engines()


@dataclass(frozen=True)
class SwarmStackConfig(RedisStackConfig):
    swarm: SwarmConfig = setting(Object(SwarmConfig), "which Swarm nodes", SwarmConfig())
