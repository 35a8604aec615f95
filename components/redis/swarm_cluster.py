"""SwarmRedisCluster: the same Redis Cluster with its nodes as services on a Docker Swarm's nodes.

Each node is a service pinned to one Swarm node (RedisServiceNode) on an overlay network, and announces that
node's address and its own published ports (model/plan.py: plan_on_swarm). Its redis.conf is a docker config,
the password a docker secret; there are no containers of this engine to roll, so no roll plan, no roll steps
and no live settings: a changed setting updates the services. The seed and the formation are
RedisCluster's (cluster_parts.py).
"""

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Mapping, Optional, Sequence

import pulumi
import pulumi_docker as docker

from components.engine.client import EngineClient
from components.engine.inventory import NetworkInventory
from components.errors import ConfigError
from components.network.addressing import parse_subnet
from components.redis.cluster_parts import (
    COMPONENT_TYPE,
    RedisClusterOutputs,
    check_values,
    cluster_password,
    formation,
    node_config,
    node_labels,
    slot_seed,
    warn_if_exposed,
)
from components.redis.model.cluster_args import RedisClusterArgs
from components.redis.model.connect import announced_address_map, announced_connection_hints
from components.redis.model.plan import ClusterPlan, plan_on_swarm
from components.redis.resources.formation import RedisFormationArgs
from components.redis.service_node import RedisServiceNode, RedisServiceNodeArgs
from components.swarm import facts as swarm_facts
from components.swarm.checks import check_overlay_subnet, require_manager, require_nodes
from components.swarm.facts import SwarmFacts
from components.swarm.images import check_image_on_nodes
from components.swarm.overlay import OverlayNetwork, OverlayNetworkArgs


@dataclass(frozen=True)
class SwarmRedisClusterArgs:
    """`cluster`: what the cluster is. `nodes`: the hostnames of the Swarm nodes to run on; empty: every
    ready node, the manager first. `node_engines`: hostname -> the address of that node's engine
    (DOCKER_HOST form), for the nodes the program can reach: their data volumes are resources of the stack
    there (`pulumi destroy` removes them) and the overlay's subnet is checked against their networks too.
    `setting` names where `nodes` and `node_engines` came from, for error messages. `fallback_image`: an
    image to suggest when a node can neither find nor pull `cluster.image` (a stack's local build)."""

    cluster: RedisClusterArgs
    nodes: Sequence[str] = ()
    node_engines: Mapping[str, str] = field(default_factory=dict)
    setting: str = "swarm"
    fallback_image: Optional[str] = None


@dataclass(frozen=True)
class SwarmPlacement:
    """What the Swarm shows, read once before anything is created: its facts, the chosen nodes' addresses
    (hostname -> the address its cluster nodes announce), and the networks of each engine known."""

    addresses: Mapping[str, str]
    facts: SwarmFacts
    inventories: Mapping[str, NetworkInventory]
    # hostname -> a client of every node's engine the program can ask (components.swarm.facts.node_engines)
    engines: Mapping[str, Callable[[], EngineClient]]


def chosen_nodes(setting: str, nodes: Sequence[str], facts: SwarmFacts) -> List[str]:
    """`nodes` as given, or every ready node with the manager first."""
    if not nodes:
        ready = facts.ready_nodes()
        return sorted(ready, key=lambda hostname: (hostname != facts.hostname, hostname))
    if len(set(nodes)) != len(nodes):
        raise ConfigError(setting, "a node is named twice", "name each Swarm node once")
    return list(nodes)


def look_up(args: SwarmRedisClusterArgs) -> SwarmPlacement:
    """The Swarm of the engine DOCKER_HOST names (a manager), and the engines of `node_engines`."""
    engines = {
        hostname: swarm_facts.engine_client_for(f"{args.setting}.nodeEngines.{hostname}", host)
        for hostname, host in args.node_engines.items()
    }
    swarm = swarm_facts.default_swarm(engines)  # looked up when called: unit tests replace it
    facts = swarm.facts()
    require_manager(facts)  # only a manager lists the nodes
    addresses = {node.hostname: node.address for node in facts.nodes}
    hostnames = chosen_nodes(f"{args.setting}.nodes", args.nodes, facts)
    return SwarmPlacement(
        addresses={hostname: addresses.get(hostname, "") for hostname in hostnames},
        facts=facts,
        inventories=swarm.node_inventories(),
        engines=swarm.node_engines(),
    )


def validate(name: str, args: SwarmRedisClusterArgs, placement: SwarmPlacement, stack: str) -> ClusterPlan:
    """Every check, before anything is registered: the args, the nodes, the plan, the overlay's subnet, and
    the image on every node that runs a task (components/swarm/images.py: said in seconds, where a task that
    cannot get it would keep `pulumi up` waiting for minutes)."""
    cluster = args.cluster
    check_values(cluster)
    if cluster.bind_address != RedisClusterArgs.bind_address:
        # A person who set it expects loopback-only ports; a Swarm service cannot give them that.
        raise ConfigError(
            f"{cluster.setting}.bindAddress",
            f"{cluster.bind_address} cannot apply on a Swarm: a service publishes its ports (mode host) on every "
            "address of its node",
            "leave bindAddress unset on a Swarm (it is the one-engine redis stack's setting); reach the nodes at "
            "the addresses the `nodes` output lists",
        )
    nodes_setting = f"{args.setting}.nodes"
    require_nodes(
        nodes_setting, {host: host for host in placement.addresses}, placement.facts, len(placement.addresses)
    )
    plan = plan_on_swarm(name, cluster, placement.addresses, nodes_setting)
    check_overlay_subnet(
        f"{cluster.setting}.network.subnet",
        cluster.network_name,
        parse_subnet(f"{cluster.setting}.network.subnet", cluster.subnet),
        placement.inventories,
        stack,
    )
    check_image_on_nodes(
        cluster.image_setting,
        cluster.image,
        list(dict.fromkeys(node.host for node in plan.nodes)),
        placement.engines,
        engines_setting=f"{args.setting}.nodeEngines",
        local_image=args.fallback_image,
    )
    return plan


class SwarmRedisCluster(RedisClusterOutputs):
    """A Redis Cluster from SwarmRedisClusterArgs on the Swarm DOCKER_HOST names, every check before anything
    is registered. Outputs as RedisCluster's: password, nodes, address_map, connect; `plan` a plain value,
    `network` the cluster's OverlayNetwork."""

    network: OverlayNetwork
    service_nodes: Dict[str, RedisServiceNode]
    volumes: Dict[str, docker.Volume]

    def __init__(self, name: str, args: SwarmRedisClusterArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        stack = pulumi.get_stack()
        self.plan = validate(name, args, look_up(args), stack)
        super().__init__(COMPONENT_TYPE, name, None, opts)
        warn_if_exposed(self, args.cluster, self.plan)
        self.lifecycle(name, args, stack)
        self.register_cluster_outputs(
            self.network.name,
            announced_address_map(self.plan),
            announced_connection_hints(self.plan, stack, args.cluster.auth),
        )

    def lifecycle(self, name: str, args: SwarmRedisClusterArgs, stack: str) -> None:
        """Every child, in the order things happen."""
        cluster = args.cluster
        child = pulumi.ResourceOptions(parent=self)
        # 1. The password: the args' or one generated once; a docker secret of each node's service.
        self.password = cluster_password(self, name, cluster)
        # 2. The overlay network, and a provider for each Swarm node's engine the program reaches (the data
        #    volumes there are the stack's).
        subnet = parse_subnet(f"{cluster.setting}.network.subnet", cluster.subnet)
        self.network = OverlayNetwork(
            f"{name}-network",
            OverlayNetworkArgs(name=cluster.network_name, subnet=subnet, labels=cluster.labels),
            child,
        )
        engines = {
            hostname: docker.Provider(f"{name}-{hostname}", host=host, opts=child)
            for hostname, host in args.node_engines.items()
            if hostname in {node.host for node in self.plan.nodes}
        }
        # 3. The nodes, a service each, pinned to its Swarm node, with its config, secret and volume.
        self.service_nodes = {
            node.name: RedisServiceNode(
                node.name,
                RedisServiceNodeArgs(
                    node=node,
                    config=node_config(node, cluster),
                    image=cluster.image,
                    network_id=self.network.network_id,
                    labels=node_labels(stack, cluster, node),
                    password=self.password,
                    node_engine=engines.get(node.host),
                ),
                child,
            )
            for node in self.plan.masters + self.plan.replicas
        }
        self.volumes = {n: s.volume_resource for n, s in self.service_nodes.items() if s.volume_resource is not None}
        services = {node: s.service.resource for node, s in self.service_nodes.items()}
        # On a Swarm this machine reaches each node where it announces itself; no container ids to ask about.
        every_node = RedisFormationArgs(
            cluster_name=name,
            plan=self.plan,
            connect_host=self.plan.nodes[0].ip,
            password=self.password if self.password is not None else "",
            container_ids={},
            timeout_seconds=cluster.formation_timeout_seconds,
            endpoints=self.plan.announced_endpoints(),
        )
        # 4. Seeding: a new cluster's masters get their slots as soon as they answer.
        self.slot_seed = slot_seed(self, name, every_node, {m.name: services[m.name] for m in self.plan.masters})
        # 5. The formation: forms, reshards or repairs the cluster, and verifies it whole.
        self.formation = formation(self, name, every_node, [*services.values(), self.slot_seed])
