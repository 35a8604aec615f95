"""The `swarm` stack: the redis stack's Redis Cluster (the same settings, `docker-networking:redis`) with its
nodes as services on a Docker Swarm's nodes (SwarmRedisCluster, RedisCluster's counterpart), instead of
containers on one engine. `docker-networking:swarm` says which nodes:

    nodes        hostnames of the Swarm nodes to run on; unset: every ready node, the manager first.
                 Masters go round-robin over them, then replicas, so that no master shares a node with
                 its own replica (it needs as many nodes as copies of a slot: 2 with one replica each)
    nodeEngines  {node hostname: engine address}: the overlay's subnet is checked against their networks too

Every check runs before anything is created: the engine is a manager, the nodes are there and ready, the
placement keeps each replica off its master's node, the subnet is free (docs/swarm.md).
"""

from typing import Any, List

import pulumi

from components.errors import ConfigError
from components.redis.swarm_cluster import SwarmRedisCluster, SwarmRedisClusterArgs
from components.settings import parse_str

from .config_values import name_prefix, reject_unknown_keys, require_mapping, setting_name, structured
from .redis import CLUSTER_NAME, export_cluster, redis_args

SETTING = "swarm"
KEYS = ("nodes", "nodeEngines")


def _hostnames(setting: str, raw: Any) -> List[str]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(item, str) and item for item in raw):
        raise ConfigError(setting, f"{raw!r} is not a list of node hostnames", "write e.g. [dn-swarm1, dn-swarm2]")
    return list(raw)


def swarm_args(config: pulumi.Config) -> SwarmRedisClusterArgs:
    """The component's arguments from this stack's `redis` and `swarm` settings."""
    setting = setting_name(SETTING)
    raw = structured(config, SETTING)
    reject_unknown_keys(setting, raw, KEYS)
    engines_setting = f"{setting}.nodeEngines"
    engines = {
        str(hostname): parse_str(f"{engines_setting}.{hostname}", host)
        for hostname, host in require_mapping(engines_setting, raw.get("nodeEngines")).items()
    }
    return SwarmRedisClusterArgs(
        cluster=redis_args(config),
        nodes=_hostnames(f"{setting}.nodes", raw.get("nodes")),
        node_engines=engines,
        setting=setting,
    )


def build(config: pulumi.Config) -> None:
    export_cluster(SwarmRedisCluster(name_prefix(config) + CLUSTER_NAME, swarm_args(config)))
