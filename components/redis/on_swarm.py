"""A RedisCluster's nodes on a Docker Swarm instead of one engine: where each node runs, what it announces,
and the checks before anything is created.

Each node is a service pinned to one Swarm node (components/swarm/service.py) and announces that node's
address and its own published ports, which it also listens on inside its task (host-mode publishing, as
target = published): the address stays valid when Swarm restarts the task (same node, same port, same
data volume), and it is reachable from the overlay (through the node's gateway bridge) and from any host
that reaches the Swarm's nodes. Masters go round-robin over the nodes, then replicas, so that with as
many nodes as copies of a slot no master shares a node with its own replica (plan.place_replicas).
"""

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping

from components.engine.inventory import NetworkInventory
from components.errors import ConfigError
from components.network.addressing import parse_subnet
from components.redis.plan import ClusterPlan, plan_cluster
from components.redis.settings import RedisClusterArgs
from components.swarm.checks import check_overlay_subnet, require_manager, require_nodes
from components.swarm.facts import SwarmFacts

PRIVILEGED_PORTS = 1024


@dataclass(frozen=True)
class SwarmPlacement:
    """`nodes`: the Swarm nodes the cluster runs on, hostname -> the address its nodes announce there
    (the node's address that the other nodes and this machine reach). `facts` and `inventories` are what
    the Swarm showed (components.swarm.facts), read once by the caller. `setting` names the placement."""

    nodes: Mapping[str, str]
    facts: SwarmFacts
    inventories: Mapping[str, NetworkInventory] = field(default_factory=dict)
    setting: str = "docker-networking:swarm.nodes"
    # hostname -> engine address of the nodes whose engine the stack reaches: their data volumes are
    # resources of the stack there (destroyed with it); elsewhere the engine creates them for the task.
    engines: Mapping[str, str] = field(default_factory=dict)


def node_hosts(args: RedisClusterArgs, hostnames: List[str]) -> List[str]:
    """Per node (redis-1 ... redis-N) its Swarm node: masters round-robin, then replicas continuing it."""
    return [hostnames[i % len(hostnames)] for i in range(args.node_count)]


def plan_on_swarm(name: str, args: RedisClusterArgs, placement: SwarmPlacement) -> ClusterPlan:
    """The cluster's plan with each node on its Swarm node, announcing that node's address and its own
    published ports; ConfigError when a master would share a node with one of its replicas."""
    hostnames = list(placement.nodes)
    copies = 1 + args.replicas_per_master
    if len(hostnames) < copies:
        raise ConfigError(
            placement.setting,
            f"{len(hostnames)} Swarm node(s) for {copies} copies of every slot (a master and "
            f"{args.replicas_per_master} replica(s)): a master would share a node with its own replica",
            f"run the cluster on at least {copies} Swarm nodes",
        )
    for key, base in (("basePort", args.base_port), ("busBasePort", args.bus_base_port)):
        if base + 1 < PRIVILEGED_PORTS:
            raise ConfigError(
                f"{args.setting}.{key}",
                f"{base + 1} is a privileged port, and a node listens on its published ports itself on a Swarm",
                f"use a base of {PRIVILEGED_PORTS} or more",
            )
    plan = plan_cluster(name, args, node_hosts(args, hostnames))
    for node in plan.replicas:
        if node.host == plan.node(node.master or "").host:
            raise ConfigError(
                placement.setting,
                f"{node.name} would run on {node.host}, the node of its master {node.master}",
                "give the cluster more Swarm nodes, or fewer replicas per master",
            )
    return ClusterPlan(
        nodes=tuple(
            dataclasses.replace(node, ip=placement.nodes[node.host], port=node.host_port, bus_port=node.bus_host_port)
            for node in plan.nodes
        )
    )


def validate_on_swarm(name: str, args: RedisClusterArgs, placement: SwarmPlacement, stack: str) -> ClusterPlan:
    """Every check, before anything is registered: a manager, the nodes, the plan, the overlay's subnet."""
    require_manager(placement.facts)
    require_nodes(placement.setting, {host: host for host in placement.nodes}, placement.facts, len(placement.nodes))
    plan = plan_on_swarm(name, args, placement)
    check_overlay_subnet(
        f"{args.setting}.network.subnet",
        args.network_name,
        parse_subnet(f"{args.setting}.network.subnet", args.subnet),
        placement.inventories,
        stack,
    )
    return plan


def swarm_endpoints(plan: ClusterPlan) -> Dict[str, Dict[str, Any]]:
    """Where this machine reaches each node: the address and port it announces."""
    return {node.name: {"host": node.ip, "port": node.port} for node in plan.nodes}


def swarm_address_map(plan: ClusterPlan) -> Dict[str, str]:
    """Announced -> where to connect: the same, on a Swarm (no remapping needed)."""
    return {f"{node.ip}:{node.port}": f"{node.ip}:{node.port}" for node in plan.nodes}


def swarm_connection_hints(plan: ClusterPlan, host: str, stack: str, auth: bool) -> Dict[str, str]:
    """redis-cli from a host that reaches the Swarm's nodes, and redis-py: every announced address works."""
    secret = f'"$(pulumi stack output -s {stack} --show-secrets password)"'
    auth_env = f"REDISCLI_AUTH={secret} " if auth else ""
    password_arg = 'password=os.environ["REDIS_PASSWORD"], ' if auth else ""
    first = plan.nodes[0]
    return {
        "redisCliFromHost": f"{auth_env}redis-cli -c -h {host} -p {first.port}",
        "redisPy": (
            "import os\nfrom redis.cluster import RedisCluster\n"
            f'rc = RedisCluster(host="{host}", port={first.port}, {password_arg.rstrip()})\n'
            'rc.set("a", "b"); print(rc.get("a"))'
        ),
    }
