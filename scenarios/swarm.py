"""The `swarm` stack: the redis stack's Redis Cluster (the same RedisCluster component and settings,
`docker-networking:redis`) with its nodes as services on a Docker Swarm's nodes, instead of containers
on one engine. `docker-networking:swarm` says which nodes (SwarmConfig below: `nodes`, `nodeEngines`).

Every check runs before anything is created: the engine is a manager, the nodes are there and ready, the
placement keeps each replica off its master's node, the subnet is free (docs/swarm.md).
"""

import dataclasses
from typing import Any, List, Mapping

import pulumi

from components.errors import ConfigError
from components.redis.cluster import RedisCluster
from components.redis.on_swarm import SwarmPlacement
from components.schema import Checked, Object, setting
from components.settings import setting_name
from components.swarm import facts as swarm_facts
from components.swarm.checks import require_manager

from .redis import CLUSTER_NAME, export_cluster, redis_args
from .redis_settings import RedisStackConfig
from .stack_settings import node_engines, read_stack

SETTING = "swarm"


def node_hostnames(setting_key: str, value: Any) -> List[str]:
    """Swarm node hostnames, each once; empty: let the stack choose."""
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ConfigError(
            setting_key, f"{value!r} is not a list of node hostnames", "write e.g. [dn-swarm1, dn-swarm2]"
        )
    if len(set(value)) != len(value):
        raise ConfigError(setting_key, "a node is named twice", "name each Swarm node once")
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


def placement(config: SwarmConfig) -> SwarmPlacement:
    """Where the cluster runs, read from the live Swarm (components.swarm.facts)."""
    setting_key = setting_name(SETTING)
    engines_setting = f"{setting_key}.nodeEngines"
    engines = {
        hostname: swarm_facts.engine_client_for(f"{engines_setting}.{hostname}", host)
        for hostname, host in config.node_engines.items()
    }
    swarm = swarm_facts.default_swarm(engines)  # looked up now: unit tests replace it
    facts = swarm.facts()
    require_manager(facts)  # only a manager lists the nodes
    addresses = {node.hostname: node.address for node in facts.nodes}
    # None named: every ready node, the manager first.
    hostnames = config.nodes or sorted(facts.ready_nodes(), key=lambda hostname: (hostname != facts.hostname, hostname))
    return SwarmPlacement(
        nodes={hostname: addresses.get(hostname, "") for hostname in hostnames},
        facts=facts,
        inventories=swarm.node_inventories(),
        setting=f"{setting_key}.nodes",
        engines={hostname: host for hostname, host in config.node_engines.items() if hostname in hostnames},
    )


def build(config: pulumi.Config) -> None:
    stack = read_stack(SwarmStackConfig, config)
    args = dataclasses.replace(redis_args(stack), swarm=placement(stack.swarm))
    export_cluster(RedisCluster(stack.name_prefix + CLUSTER_NAME, args))
