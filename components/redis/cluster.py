"""RedisCluster: the tutorial's six-node Redis Cluster, secure by default.

Its own bridge network, one container and one data volume per node (static IPs, ports 637N and 1637N
on loopback), each node's redis.conf rendered from typed settings and uploaded as a file, the password
of the first `up` (StartingPassword) in a second, secret file, a RedisSlotSeed that gives a new
cluster's masters their slots as soon as they answer, a RedisLiveSettings that applies the settings Redis
takes at run time, the password included, to every node (so changing them replaces no container:
live_settings.py), and a RedisFormation that forms and verifies the cluster.
Once the cluster exists, a change that replaces containers rolls: one node at a time, replicas first, each
node back in the cluster before the next goes (a RedisRollPlan refuses what cannot roll safely, a
RedisRollStep per node waits: rolling.py).

With `args.swarm` (components/redis/on_swarm.py) the same cluster runs on a Docker Swarm: each node a
service pinned to a Swarm node (RedisServiceNode), on an overlay network, announcing its host's address.
"""

import dataclasses
from typing import Any, Dict, List, Mapping, Optional, Union

import pulumi
import pulumi_docker as docker

from components.engine.inventory import (
    NetworkInventory,
    check_subnet_is_free,
    inventory_or_default,
    own_network_exists,
)
from components.ephemeral_ports import ephemeral_port_warning, ephemeral_range
from components.images.names import validate_image_name
from components.images.remote import image
from components.labels import project_labels
from components.network.addressing import parse_subnet
from components.network.bridge import BridgeNetwork, BridgeNetworkArgs, validate_bridge
from components.redis.config import AUTH_PATH, DATA_DIR, RedisNodeConfig, render_node_config
from components.redis.connect import address_map, connection_hints
from components.redis.formation.live_settings import RedisLiveSettings, RedisLiveSettingsArgs
from components.redis.formation.provider import RedisFormation, RedisFormationArgs
from components.redis.formation.roll_plan import RedisRollPlan
from components.redis.formation.roll_step import RedisRollStep
from components.redis.formation.slot_seed import RedisSlotSeed
from components.redis.handover import render_run_script
from components.redis.live_settings import STARTING, LiveSettings, live_settings
from components.redis.node import RedisNode, RedisNodeArgs
from components.redis.node_files import build_dir_for
from components.redis.on_swarm import swarm_address_map, swarm_connection_hints, swarm_endpoints, validate_on_swarm
from components.redis.password import GeneratedPassword
from components.redis.plan import ClusterPlan, NodePlan, plan_cluster
from components.redis.rolling import node_fingerprint, roll_order, roll_plan_inputs
from components.redis.service_node import RedisServiceNode, RedisServiceNodeArgs
from components.redis.settings import (
    IMAGE_SETTING,
    RedisClusterArgs,
    connect_host,
    open_to_network_warning,
    validate_args,
)
from components.redis.starting_password import StartingPassword
from components.settings import setting_name
from components.swarm.overlay import OverlayNetwork, OverlayNetworkArgs

COMPONENT = "RedisCluster"
NODE_LABEL = "io.docker-networking.redis-node"


def validate(name: str, args: RedisClusterArgs, inventory: NetworkInventory, stack: str) -> ClusterPlan:
    """Every check that can fail, before anything is registered. Returns the plan."""
    validate_args(args)
    validate_image_name(setting_name(IMAGE_SETTING), args.image)
    plan = plan_cluster(name, args)
    network = validate_bridge(_network_args(args))
    check_subnet_is_free(f"{args.setting}.network.subnet", network.name, network.subnet, inventory, stack)
    return plan


def _network_args(args: RedisClusterArgs, inventory: Optional[NetworkInventory] = None) -> BridgeNetworkArgs:
    return BridgeNetworkArgs(
        name=args.network_name,
        subnet=args.subnet,
        labels=args.labels,
        setting=f"{args.setting}.network",
        inventory=inventory,
    )


def _node_labels(stack: str, args: RedisClusterArgs, node: NodePlan) -> Dict[str, str]:
    """The labels on one node's engine objects, a container's or a service's."""
    return project_labels(stack=stack, component=COMPONENT, extra={**args.labels, NODE_LABEL: node.name})


def node_config(node: NodePlan, args: RedisClusterArgs, live: Optional[LiveSettings] = None) -> RedisNodeConfig:
    """`live`: the values of the live settings to write into the file; None: the stack's own."""
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


class RedisCluster(pulumi.ComponentResource):
    """A Redis Cluster from RedisClusterArgs, every setting checked before anything is registered.

    Outputs: password (a secret; None with auth off), nodes (each node's live role, master and slots),
    address_map (announced address -> published one) and connect (redis-cli and redis-py examples).
    `plan` is no Output: the addresses, ports, roles and slots follow from the args alone, so they are
    plain values, known at preview, that a program can read and branch on (the redis stack exports
    plan.summary()). `network` is the cluster's BridgeNetwork; the children are attributes too.
    """

    password: Optional[pulumi.Output[str]]
    # What every container's auth.conf holds: the first password (None on a Swarm or with auth off).
    starting_password: Optional[StartingPassword]
    plan: ClusterPlan
    network: Union[BridgeNetwork, OverlayNetwork]  # an overlay when args.swarm places the nodes on a Swarm
    node_components: Dict[str, RedisNode]
    containers: Dict[str, docker.Container]
    volumes: Dict[str, docker.Volume]
    config_files: Dict[str, pulumi.FileAsset]
    live_settings: Optional[RedisLiveSettings]  # None on a Swarm: there the settings are in each node's config
    roll_plan: Optional[RedisRollPlan]  # None on a Swarm, as are roll_steps: containers roll, services do not
    roll_steps: Dict[str, RedisRollStep]
    slot_seed: RedisSlotSeed
    formation: RedisFormation
    nodes: pulumi.Output[List[Dict[str, Any]]]
    address_map: pulumi.Output[Dict[str, str]]
    connect: pulumi.Output[Dict[str, str]]

    def __init__(self, name: str, args: RedisClusterArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        stack = pulumi.get_stack()
        # One inventory for the cluster's check and its network's: the engine is asked once.
        inventory: Optional[NetworkInventory] = None
        if args.swarm is not None:
            validate_args(args)
            validate_image_name(setting_name(IMAGE_SETTING), args.image)
            self.plan = validate_on_swarm(name, args, args.swarm, stack)
        else:
            inventory = inventory_or_default(args.inventory)
            self.plan = validate(name, args, inventory, stack)
        super().__init__(f"docker-networking:index:{COMPONENT}", name, None, opts)
        ports = [port for node in self.plan.nodes for port in (node.host_port, node.bus_host_port)]
        for warning in (
            open_to_network_warning(args),
            ephemeral_port_warning(f"{args.setting}.basePort/busBasePort", ports, ephemeral_range()),
        ):
            if warning:
                pulumi.log.warn(warning, self)
        child = pulumi.ResourceOptions(parent=self)

        self.password = self._password(name, args)
        on_swarm = args.swarm is not None
        host = self.plan.nodes[0].ip if on_swarm else connect_host(args.bind_address)
        no_node = RedisFormationArgs(
            cluster_name=name,
            plan=self.plan,
            connect_host=host,
            password=self.password if self.password is not None else "",
            container_ids={},  # on a Swarm no containers of this engine: the formation asks the nodes themselves
            timeout_seconds=args.formation_timeout_seconds,
            endpoints=swarm_endpoints(self.plan) if on_swarm else None,
        )
        if inventory is not None:
            placed = self._place_containers(name, args, inventory, stack, no_node, child)
        else:
            placed = self._place_services(name, args, stack, child)
        every_node = dataclasses.replace(
            no_node, container_ids={node_name: c.id for node_name, c in self.containers.items()}
        )
        # A new cluster's masters get their slots as soon as they answer (see formation/slot_seed.py: later
        # costs Redis's 5 s rejoin delay); the formation then starts once every container exists.
        masters = {node.name: placed[node.name] for node in self.plan.masters}
        self.slot_seed = RedisSlotSeed(
            f"{name}-slots",
            dataclasses.replace(
                every_node,
                container_ids={n: every_node.container_ids[n] for n in masters if n in every_node.container_ids},
            ),
            pulumi.ResourceOptions(parent=self, depends_on=list(masters.values())),
        )
        # The live settings reach every container node before the formation, so it forms, grows and repairs
        # with the stack's node timeout; they wait for no node the formation would not wait for anyway. Both
        # start once the last node rolled, if any did: nothing else changes the cluster while one rolls.
        every_step = list(self.roll_steps.values())
        self.live_settings = None
        if inventory is not None:
            self.live_settings = RedisLiveSettings(
                f"{name}-live-settings",
                RedisLiveSettingsArgs(
                    formation=every_node,
                    settings=live_settings(args),
                    starting_password=self.starting_password.password if self.starting_password else "",
                ),
                pulumi.ResourceOptions(parent=self, depends_on=[*placed.values(), *every_step]),
            )
        self.formation = RedisFormation(
            f"{name}-formation",
            every_node,
            pulumi.ResourceOptions(
                parent=self,
                depends_on=[
                    *placed.values(),
                    *every_step,
                    self.slot_seed,
                    *([self.live_settings] if self.live_settings else []),
                ],
            ),
        )
        self.nodes = self.formation.live.apply(lambda live: live_nodes(self.plan, live))
        self.address_map = pulumi.Output.from_input(
            swarm_address_map(self.plan) if on_swarm else address_map(self.plan, host)
        )
        hints = swarm_connection_hints if on_swarm else connection_hints
        self.connect = pulumi.Output.from_input(hints(self.plan, host, stack, args.auth))
        self.register_outputs(
            {
                "password": self.password,
                "plan": self.plan.summary(),
                "nodes": self.nodes,
                "network": self.network.name,
                "addressMap": self.address_map,
                "connect": self.connect,
                "configFiles": self.config_files,
            }
        )

    def _place_containers(
        self,
        name: str,
        args: RedisClusterArgs,
        inventory: NetworkInventory,
        stack: str,
        formation: RedisFormationArgs,
        child: pulumi.ResourceOptions,
    ) -> Dict[str, pulumi.Resource]:
        """Every node a container on this engine, on the cluster's bridge network."""
        build_dir = args.build_dir if args.build_dir is not None else build_dir_for(stack) / name
        self.network = BridgeNetwork(f"{name}-network", _network_args(args, inventory), child)
        self.node_components: Dict[str, RedisNode] = {}
        self.roll_steps: Dict[str, RedisRollStep] = {}
        self.starting_password = self._starting_password(name)
        configs = {node.name: node_config(node, args, STARTING) for node in self.plan.nodes}
        self.roll_plan = RedisRollPlan(
            f"{name}-roll-plan",
            roll_plan_inputs(self.plan, _fingerprints(self.plan, args, configs), name),
            args.setting,
            child,
        )
        # A formed cluster rolls: each container after the last one's step, replicas first (rolling.py). A new
        # one does not: masters first, each replica's container after its master's (Redis keeps a new master
        # at cluster_state:fail for its first 2 s, and that wait then overlaps the replicas' start).
        rolls = own_network_exists(inventory, args.network_name, stack)
        # On a formed cluster the image waits for the roll plan's check too: `pulumi up --skip-preview` of a
        # change it refuses must not have replaced the image by then.
        node_image = image(
            f"{name}-image",
            args.image,
            keep_locally=args.keep_image,
            opts=pulumi.ResourceOptions.merge(
                child, pulumi.ResourceOptions(depends_on=[self.roll_plan] if rolls else [])
            ),
        )
        order = roll_order(self.plan) if rolls else self.plan.masters + self.plan.replicas
        previous: List[pulumi.Resource] = [self.roll_plan]
        for node in order:
            master = self.node_components.get(node.master or "")
            self.node_components[node.name] = RedisNode(
                node.name,
                RedisNodeArgs(
                    node=node,
                    # The live settings at their starting values: changing them must not replace the node.
                    config=configs[node.name],
                    image_id=node_image.image_id,
                    network_name=self.network.name,
                    bind_address=args.bind_address,
                    restart_policy=args.restart_policy,
                    labels=_node_labels(stack, args, node),
                    build_dir=build_dir,
                    # Not the current password: a change of it must replace no container (starting_password.py).
                    password=self.starting_password.password if self.starting_password else None,
                    start_after=previous if rolls else [master.container] if master else [],
                ),
                child,
            )
            container = self.node_components[node.name].container
            self.roll_steps[node.name] = RedisRollStep(
                f"{node.name}-roll",
                dataclasses.replace(formation, container_ids={node.name: container.id}),
                node.name,
                live_settings(args),
                rolls,
                self.starting_password.password if self.starting_password else "",
                child,
            )
            previous = [self.roll_steps[node.name]]
        self.containers = {node_name: n.container for node_name, n in self.node_components.items()}
        self.volumes = {node_name: n.volume for node_name, n in self.node_components.items()}
        self.config_files = {node_name: n.config_file for node_name, n in self.node_components.items()}
        return dict(self.containers)

    def _place_services(
        self, name: str, args: RedisClusterArgs, stack: str, child: pulumi.ResourceOptions
    ) -> Dict[str, pulumi.Resource]:
        """Every node a service pinned to its Swarm node, on the cluster's overlay network."""
        subnet = parse_subnet(f"{args.setting}.network.subnet", args.subnet)
        self.network = OverlayNetwork(
            f"{name}-network", OverlayNetworkArgs(name=args.network_name, subnet=subnet, labels=args.labels), child
        )
        placement = args.swarm
        assert placement is not None
        engines = {
            hostname: docker.Provider(f"{name}-{hostname}", host=host, opts=child)
            for hostname, host in placement.engines.items()
        }
        self.service_nodes: Dict[str, RedisServiceNode] = {}
        for node in self.plan.masters + self.plan.replicas:
            labels = _node_labels(stack, args, node)
            self.service_nodes[node.name] = RedisServiceNode(
                node.name,
                RedisServiceNodeArgs(
                    node=node,
                    config=node_config(node, args),
                    image=args.image,
                    network_id=self.network.network_id,
                    labels=labels,
                    password=self.password,
                    node_engine=engines.get(node.host),
                ),
                child,
            )
        self.containers, self.config_files, self.roll_steps, self.roll_plan = {}, {}, {}, None
        self.starting_password = None  # a service's config holds the current password: a change updates it
        self.volumes = {n: s.volume_resource for n, s in self.service_nodes.items() if s.volume_resource is not None}
        return {node_name: n.service.resource for node_name, n in self.service_nodes.items()}

    def _starting_password(self, name: str) -> Optional[StartingPassword]:
        if self.password is None:
            return None
        return StartingPassword(f"{name}-starting-password", self.password, pulumi.ResourceOptions(parent=self))

    def _password(self, name: str, args: RedisClusterArgs) -> Optional[pulumi.Output[str]]:
        if not args.auth:
            return None
        if args.password is not None:
            return pulumi.Output.secret(args.password)
        # None set: one generated on the first `up` and kept, as a secret, in the stack's state.
        generated = GeneratedPassword(f"{name}-password", opts=pulumi.ResourceOptions(parent=self))
        return pulumi.Output.secret(generated.result)  # secret here too, not only in the engine's state


def _fingerprints(
    plan: ClusterPlan, args: RedisClusterArgs, configs: Mapping[str, RedisNodeConfig]
) -> Dict[str, Dict[str, str]]:
    """Node name -> what its container is made of, for the RollPlan (the files as they are uploaded)."""
    run_text = render_run_script()
    return {
        node.name: node_fingerprint(
            node, args.image, args.bind_address, render_node_config(configs[node.name]), run_text, args.restart_policy
        )
        for node in plan.nodes
    }


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
