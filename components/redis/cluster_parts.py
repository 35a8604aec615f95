"""What RedisCluster (containers on one engine) and SwarmRedisCluster (services on a Swarm's nodes) build
alike: the checks of the args, the password, each node's labels and redis.conf values, the slot seed and the
formation, and (RedisClusterOutputs, their base class) the outputs that say how the cluster runs now.
"""

import dataclasses
from typing import Any, Dict, List, Mapping, Optional, Sequence

import pulumi

from components.ephemeral_ports import ephemeral_port_warning, ephemeral_range
from components.images.names import validate_image_name
from components.labels import project_labels
from components.redis.model.cluster_args import RedisClusterArgs, open_to_network_warning, validate_args
from components.redis.model.config import AUTH_PATH, DATA_DIR, RedisNodeConfig
from components.redis.model.live import LiveSettings, live_settings
from components.redis.model.plan import ClusterPlan, NodePlan
from components.redis.resources.formation import RedisFormation, RedisFormationArgs
from components.redis.resources.generated_password import GeneratedPassword
from components.redis.resources.slot_seed import RedisSlotSeed

# The type token of both components: they began as one class, and a stack's resources keep their URNs.
COMPONENT_TYPE = "docker-networking:index:RedisCluster"
NODE_LABEL = "io.docker-networking.redis-node"


def check_values(args: RedisClusterArgs) -> None:
    """The checks of the args that need no engine and no plan (ConfigError naming the setting)."""
    validate_args(args)
    validate_image_name(args.image_setting, args.image)


def warn_if_exposed(component: pulumi.Resource, args: RedisClusterArgs, plan: ClusterPlan) -> None:
    """Warnings, not errors: a cluster opened on purpose, host ports the kernel may hand to any connection."""
    ports = [port for node in plan.nodes for port in (node.host_port, node.bus_host_port)]
    for warning in (
        open_to_network_warning(args),
        ephemeral_port_warning(f"{args.setting}.basePort/busBasePort", ports, ephemeral_range()),
    ):
        if warning:
            pulumi.log.warn(warning, component)


def cluster_password(parent: pulumi.Resource, name: str, args: RedisClusterArgs) -> Optional[pulumi.Output[str]]:
    """The password, a secret: the args', or one generated on the first `up` and kept in the stack's state.
    None with authentication off."""
    if not args.auth:
        return None
    if args.password is not None:
        return pulumi.Output.secret(args.password)
    generated = GeneratedPassword(f"{name}-password", opts=pulumi.ResourceOptions(parent=parent))
    return pulumi.Output.secret(generated.result)  # secret here too, not only in the engine's state


def cluster_labels(stack: str, args: RedisClusterArgs) -> Dict[str, str]:
    """The labels every engine object of the cluster's nodes carries."""
    return project_labels(stack=stack, component="RedisCluster", extra=args.labels)


def node_labels(stack: str, args: RedisClusterArgs, node: NodePlan) -> Dict[str, str]:
    """The labels on one node's engine objects, a container's or a service's."""
    return {**cluster_labels(stack, args), NODE_LABEL: node.name}


def node_config(node: NodePlan, args: RedisClusterArgs, live: Optional[LiveSettings] = None) -> RedisNodeConfig:
    """`live`: the values of the live settings to write into the file; None: the args' own."""
    live = live if live is not None else live_settings(args)
    return RedisNodeConfig(
        node_name=node.name,
        announce_ip=node.ip,
        port=node.port,
        bus_port=node.bus_port,
        node_timeout_ms=live.node_timeout_ms,
        appendonly=live.appendonly,
        data_dir=DATA_DIR,
        auth_include=AUTH_PATH if args.auth else None,
    )


def slot_seed(
    parent: pulumi.Resource, name: str, formation: RedisFormationArgs, masters: Mapping[str, pulumi.Resource]
) -> RedisSlotSeed:
    """A new cluster's masters get their slots as soon as they answer (resources/slot_seed.py: later costs
    Redis's 5 s rejoin delay); it waits for the masters' containers or services alone."""
    seeded = {node: formation.container_ids[node] for node in masters if node in formation.container_ids}
    return RedisSlotSeed(
        f"{name}-slots",
        dataclasses.replace(formation, container_ids=seeded),
        pulumi.ResourceOptions(parent=parent, depends_on=list(masters.values())),
    )


def formation(
    parent: pulumi.Resource,
    name: str,
    args: RedisFormationArgs,
    after: Sequence[pulumi.Resource],
    deleted_with: Optional[pulumi.Resource] = None,
) -> RedisFormation:
    """Forms, reshards and repairs the cluster, and verifies it, once everything in `after` is done.
    `deleted_with`: what removes the nodes when the whole cluster goes (resetting them first is no use then)."""
    opts = pulumi.ResourceOptions(parent=parent, depends_on=list(after), deleted_with=deleted_with)
    return RedisFormation(f"{name}-formation", args, opts)


def live_nodes(plan: ClusterPlan, live: Optional[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    """The plan's addresses and ports with each node's live role, master and slots."""
    live = live or {}
    nodes = []
    for node in plan.nodes:
        seen = live.get(node.name) or {}
        nodes.append(
            {
                "name": node.name,
                "ip": node.ip,
                "hostPort": node.host_port,
                "busHostPort": node.bus_host_port,
                "role": seen.get("role", node.role),
                "master": seen.get("master", node.master),
                "slots": seen.get("slots", []),
            }
        )
    return nodes


class RedisClusterOutputs(pulumi.ComponentResource):
    """What both components give a program: password (a secret; None with auth off), plan (a plain value,
    known at preview), nodes (each node's live role, master and slots), address_map (announced address ->
    where to connect) and connect (redis-cli and redis-py examples); and the children every cluster has."""

    password: Optional[pulumi.Output[str]]
    plan: ClusterPlan
    slot_seed: RedisSlotSeed
    formation: RedisFormation
    nodes: pulumi.Output[List[Dict[str, Any]]]
    address_map: pulumi.Output[Dict[str, str]]
    connect: pulumi.Output[Dict[str, Any]]

    def register_cluster_outputs(
        self,
        network_name: pulumi.Output[str],
        addresses: Mapping[str, str],
        hints: Mapping[str, Any],
        more: Optional[Mapping[str, Any]] = None,
    ) -> None:
        """Once the lifecycle registered the children: the outputs, from the plan and the formation."""
        self.nodes = self.formation.live.apply(lambda live: live_nodes(self.plan, live))
        self.address_map = pulumi.Output.from_input(dict(addresses))
        self.connect = pulumi.Output.from_input(dict(hints))
        self.register_outputs(
            {
                "password": self.password,
                "plan": self.plan.summary(),
                "nodes": self.nodes,
                "network": network_name,
                "addressMap": self.address_map,
                "connect": self.connect,
                **(more or {}),
            }
        )
