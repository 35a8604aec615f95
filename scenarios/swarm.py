"""The `swarm` stack: the redis stack's Redis Cluster (the same settings, `docker-networking:redis`) with its
nodes as services on a Docker Swarm's nodes (SwarmRedisCluster, RedisCluster's counterpart), instead of
containers on one engine. `docker-networking:swarm` says which nodes (SwarmConfig below: `nodes`,
`nodeEngines`).

Every check runs before anything is created: the engine is a manager, the nodes are there and ready, the
placement keeps each replica off its master's node, the subnet is free, and every node that runs a task has
the image or can pull it (docs/swarm.md).
"""

import dataclasses
from typing import Any, List, Mapping

import pulumi

from components.errors import ConfigError
from components.images.names import LOCAL_IMAGES
from components.redis.settings import IMAGE_SETTING
from components.redis.swarm_cluster import SwarmRedisCluster, SwarmRedisClusterArgs
from components.schema import Checked, Object, setting
from components.settings import setting_name

from .redis import CLUSTER_NAME, export_cluster, redis_args
from .redis_settings import RedisStackConfig
from .stack_settings import node_engines, read_stack

SETTING = "swarm"


def node_hostnames(setting_key: str, value: Any) -> List[str]:
    """A list of Swarm node hostnames; empty: let the stack choose (SwarmRedisCluster refuses one named twice)."""
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ConfigError(
            setting_key, f"{value!r} is not a list of node hostnames", "write e.g. [dn-swarm1, dn-swarm2]"
        )
    return list(value)


@dataclasses.dataclass(frozen=True)
class SwarmConfig:
    nodes: List[str] = setting(
        Checked(node_hostnames, "list of node hostnames"),
        "the Swarm nodes to run on, in order. Masters go round-robin over them, then replicas, so that no master "
        "shares a node with its own replica: it needs as many nodes as copies of a slot (2 with one replica each)",
        [],
        shown_default="*(empty: every ready node, the manager first)*",
    )
    node_engines: Mapping[str, str] = node_engines()


@dataclasses.dataclass(frozen=True)
class SwarmStackConfig(RedisStackConfig):
    swarm: SwarmConfig = setting(Object(SwarmConfig), "which Swarm nodes", SwarmConfig())


def swarm_args(stack: SwarmStackConfig) -> SwarmRedisClusterArgs:
    """The component's arguments from this stack's `redis` and `swarm` settings."""
    return SwarmRedisClusterArgs(
        cluster=redis_args(stack),
        nodes=stack.swarm.nodes,
        node_engines=dict(stack.swarm.node_engines),
        setting=setting_name(SETTING),
        fallback_image=LOCAL_IMAGES[IMAGE_SETTING],
    )


def build(config: pulumi.Config) -> None:
    stack = read_stack(SwarmStackConfig, config)
    export_cluster(SwarmRedisCluster(stack.name_prefix + CLUSTER_NAME, swarm_args(stack)))
