"""The `swarm` stack: the redis stack's Redis Cluster (the same RedisCluster component and settings,
`docker-networking:redis`) with its nodes as services on a Docker Swarm's nodes, instead of containers
on one engine. `docker-networking:swarm` says which nodes:

    nodes        hostnames of the Swarm nodes to run on; unset: every ready node, the manager first.
                 Masters go round-robin over them, then replicas, so that no master shares a node with
                 its own replica (it needs as many nodes as copies of a slot: 2 with one replica each)
    nodeEngines  {node hostname: engine address}: the overlay's subnet is checked against their networks too,
                 and the image is asked of them

Every check runs before anything is created: the engine is a manager, the nodes are there and ready, the
placement keeps each replica off its master's node, the subnet is free, and every node that runs a task has
the image or can pull it (docs/swarm.md).
"""

import dataclasses
from typing import Any, List, Mapping, Tuple

import pulumi

from components.errors import ConfigError
from components.images.names import LOCAL_IMAGES
from components.redis.cluster import RedisCluster
from components.redis.on_swarm import SwarmPlacement, node_hosts
from components.redis.settings import IMAGE_SETTING, RedisClusterArgs
from components.settings import parse_str
from components.swarm import facts as swarm_facts
from components.swarm.checks import require_manager
from components.swarm.facts import SwarmFacts, SwarmInventory
from components.swarm.images import check_image_on_nodes

from .config_values import name_prefix, reject_unknown_keys, require_mapping, setting_name, structured
from .redis import CLUSTER_NAME, export_cluster, redis_args

SETTING = "swarm"
KEYS = ("nodes", "nodeEngines")


def _hostnames(setting: str, raw: Any, facts: SwarmFacts) -> List[str]:
    if raw is None or raw == []:
        ready = facts.ready_nodes()
        return sorted(ready, key=lambda hostname: (hostname != facts.hostname, hostname))
    if not isinstance(raw, list) or not all(isinstance(item, str) and item for item in raw):
        raise ConfigError(setting, f"{raw!r} is not a list of node hostnames", "write e.g. [dn-swarm1, dn-swarm2]")
    if len(set(raw)) != len(raw):
        raise ConfigError(setting, "a node is named twice", "name each Swarm node once")
    return list(raw)


def placement(raw: Mapping[str, Any]) -> Tuple[SwarmPlacement, SwarmInventory]:
    """Where the cluster runs, read from the live Swarm (components.swarm.facts), and that Swarm."""
    setting = setting_name(SETTING)
    reject_unknown_keys(setting, raw, KEYS)
    engines_setting = f"{setting}.nodeEngines"
    hosts = {
        str(hostname): parse_str(f"{engines_setting}.{hostname}", host)
        for hostname, host in require_mapping(engines_setting, raw.get("nodeEngines")).items()
    }
    engines = {
        hostname: swarm_facts.engine_client_for(f"{engines_setting}.{hostname}", host)
        for hostname, host in hosts.items()
    }
    swarm = swarm_facts.default_swarm(engines)  # looked up now: unit tests replace it
    facts = swarm.facts()
    require_manager(facts)  # only a manager lists the nodes
    nodes_setting = f"{setting}.nodes"
    addresses = {node.hostname: node.address for node in facts.nodes}
    hostnames = _hostnames(nodes_setting, raw.get("nodes"), facts)
    where = SwarmPlacement(
        nodes={hostname: addresses.get(hostname, "") for hostname in hostnames},
        facts=facts,
        inventories=swarm.node_inventories(),
        setting=nodes_setting,
        engines={hostname: host for hostname, host in hosts.items() if hostname in hostnames},
    )
    return where, swarm


def check_image(args: RedisClusterArgs, where: SwarmPlacement, swarm: SwarmInventory) -> None:
    """The nodes that run one of the cluster's nodes have its image or can pull it (components.swarm.images)."""
    hostnames = list(where.nodes)
    ready = where.facts.ready_nodes()
    # A node that is not ready (or no node at all) is the cluster's own check to name, with its setting.
    running = [hostname for hostname in node_hosts(args, hostnames) if hostname in ready] if hostnames else []
    check_image_on_nodes(
        setting_name(IMAGE_SETTING),
        args.image,
        list(dict.fromkeys(running)),
        swarm.node_engines(),
        engines_setting=setting_name(f"{SETTING}.nodeEngines"),
        local_image=LOCAL_IMAGES[IMAGE_SETTING],
    )


def build(config: pulumi.Config) -> None:
    args = redis_args(config)
    where, swarm = placement(structured(config, SETTING))
    check_image(args, where, swarm)
    export_cluster(RedisCluster(name_prefix(config) + CLUSTER_NAME, dataclasses.replace(args, swarm=where)))
