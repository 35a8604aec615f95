"""RedisCluster: the tutorial's six-node Redis Cluster on one engine, secure by default.

Its own bridge network, one container and one data volume per node (static IPs, ports 637N and 1637N on
loopback), each node's redis.conf rendered from its args and uploaded as a file, and dynamic resources that
form the cluster and keep it whole (components/redis/resources/). `RedisCluster.lifecycle` registers them
in the order things happen; its counterpart on a Docker Swarm is SwarmRedisCluster (swarm_cluster.py).
"""

import dataclasses
from typing import Dict, List, Mapping, Optional

import pulumi
import pulumi_docker as docker

from components.engine import inventory as engine_inventory
from components.engine.inventory import NetworkInventory, check_subnet_is_free, own_network_exists
from components.images.remote import image
from components.network.bridge import BridgeNetwork, BridgeNetworkArgs, validate_bridge
from components.redis.cluster_parts import (
    COMPONENT_TYPE,
    RedisClusterOutputs,
    check_values,
    cluster_labels,
    cluster_password,
    formation,
    node_config,
    node_labels,
    slot_seed,
    warn_if_exposed,
)
from components.redis.model.cluster_args import RedisClusterArgs, connect_host
from components.redis.model.config import RedisNodeConfig, render_node_config
from components.redis.model.connect import address_map, connection_hints
from components.redis.model.live import STARTING, live_settings
from components.redis.model.plan import ClusterPlan, plan_cluster
from components.redis.model.rolling import node_fingerprint, roll_order, roll_plan_inputs
from components.redis.model.run_script import render_run_script
from components.redis.node import RedisNode, RedisNodeArgs
from components.redis.node_files import build_dir_for
from components.redis.resources.formation import RedisFormationArgs
from components.redis.resources.live_settings import RedisLiveSettings, RedisLiveSettingsArgs
from components.redis.resources.roll_plan import RedisRollPlan
from components.redis.resources.roll_step import RedisRollStep
from components.redis.resources.starting_password import StartingPassword
from components.redis.resources.teardown import RedisTeardown


def validate(name: str, args: RedisClusterArgs, inventory: NetworkInventory, stack: str) -> ClusterPlan:
    """Every check that can fail, before anything is registered. Returns the plan."""
    check_values(args)
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


class RedisCluster(RedisClusterOutputs):
    """A Redis Cluster from RedisClusterArgs, every setting checked before anything is registered.

    What the engine has (its networks, the host's routes: components.engine.inventory.default_inventory) is
    looked up here, not passed in; each node's files are rendered under .build/<stack>/<name>/.

    Outputs: RedisClusterOutputs's (password, plan, nodes, address_map: announced address -> published
    one, connect). `plan` is no Output: the addresses, ports, roles and slots follow from the args alone, so
    they are plain values, known at preview, that a program can read and branch on (the redis stack exports
    plan.summary()). `network` is the cluster's BridgeNetwork; the children are attributes too.
    """

    # What every container's auth.conf holds: the first password (None with auth off).
    starting_password: Optional[StartingPassword]
    network: BridgeNetwork
    roll_plan: RedisRollPlan
    teardown: RedisTeardown
    node_components: Dict[str, RedisNode]
    containers: Dict[str, docker.Container]
    volumes: Dict[str, docker.Volume]
    config_files: Dict[str, pulumi.FileAsset]
    roll_steps: Dict[str, RedisRollStep]
    live_settings: RedisLiveSettings

    def __init__(self, name: str, args: RedisClusterArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        stack = pulumi.get_stack()
        # One inventory for the cluster's check and its network's: the engine is asked once.
        inventory = engine_inventory.default_inventory()  # looked up when called: unit tests replace it
        self.plan = validate(name, args, inventory, stack)
        super().__init__(COMPONENT_TYPE, name, None, opts)
        warn_if_exposed(self, args, self.plan)
        # A formed cluster rolls: each container after the last one's step. The network is the sign that
        # an earlier `up` formed it.
        formed = own_network_exists(inventory, args.network_name, stack)
        self.lifecycle(name, args, stack, inventory, formed)
        host = connect_host(args.bind_address)
        self.register_cluster_outputs(
            self.network.name,
            address_map(self.plan, host),
            connection_hints(self.plan, host, stack, args.auth),
            {"configFiles": self.config_files},
        )

    def lifecycle(
        self, name: str, args: RedisClusterArgs, stack: str, inventory: NetworkInventory, formed: bool
    ) -> None:
        """Every child, in the order things happen; each waits for what it needs (depends_on), nothing else."""
        child = pulumi.ResourceOptions(parent=self)
        # 1. The password: the args' or one generated once; and the first one, kept for good, which every
        #    container's auth.conf holds (the current one reaches the nodes live, step 5).
        self.password = cluster_password(self, name, args)
        self.starting_password = (
            StartingPassword(f"{name}-starting-password", self.password, child) if self.password is not None else None
        )
        starting = self.starting_password.password if self.starting_password else ""
        # 2. The network; the roll plan, which refuses at preview a change that cannot roll safely; the image,
        #    which on a formed cluster waits for that check (`up --skip-preview` must not replace it first).
        self.network = BridgeNetwork(f"{name}-network", _network_args(args, inventory), child)
        configs = {node.name: node_config(node, args, STARTING) for node in self.plan.nodes}
        self.roll_plan = RedisRollPlan(
            f"{name}-roll-plan",
            roll_plan_inputs(self.plan, _fingerprints(self.plan, args, configs), name),
            args.setting,
            child,
        )
        node_image = image(
            f"{name}-image",
            args.image,
            keep_locally=args.keep_image,
            opts=pulumi.ResourceOptions.merge(
                child, pulumi.ResourceOptions(depends_on=[self.roll_plan] if formed else [])
            ),
        )
        # 3. The nodes, a volume and a container each, removed all at once by the teardown when the whole
        #    cluster goes (it goes before the network). A new cluster: masters first, each replica after its
        #    master (Redis holds a new master at cluster_state:fail for 2 s, which the replicas' start then
        #    overlaps). A formed one rolls: replicas first, each container after the previous node's roll step,
        #    which has the node back in the cluster, in its planned role, with the live settings.
        no_node = RedisFormationArgs(
            cluster_name=name,
            plan=self.plan,
            connect_host=connect_host(args.bind_address),
            password=self.password if self.password is not None else "",
            container_ids={},
            timeout_seconds=args.formation_timeout_seconds,
        )
        self.teardown = RedisTeardown(
            f"{name}-teardown",
            name,
            containers=[node.name for node in self.plan.nodes],
            volumes=[node.volume for node in self.plan.nodes],
            labels=cluster_labels(stack, args),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.network]),
        )
        self.node_components, self.roll_steps = {}, {}
        previous: List[pulumi.Resource] = [self.roll_plan]
        for node in roll_order(self.plan) if formed else self.plan.masters + self.plan.replicas:
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
                    labels=node_labels(stack, args, node),
                    build_dir=build_dir_for(stack) / name,
                    # Not the current password: a change of it must replace no container.
                    password=self.starting_password.password if self.starting_password else None,
                    start_after=previous if formed else [master.container] if master else [],
                    deleted_with=self.teardown,
                ),
                child,
            )
            container = self.node_components[node.name].container
            self.roll_steps[node.name] = RedisRollStep(
                f"{node.name}-roll",
                dataclasses.replace(no_node, container_ids={node.name: container.id}),
                node.name,
                live_settings(args),
                formed,
                starting,
                child,
            )
            previous = [self.roll_steps[node.name]]
        self.containers = {node: n.container for node, n in self.node_components.items()}
        self.volumes = {node: n.volume for node, n in self.node_components.items()}
        self.config_files = {node: n.config_file for node, n in self.node_components.items()}
        every_node = dataclasses.replace(no_node, container_ids={node: c.id for node, c in self.containers.items()})
        # 4. Seeding: a new cluster's masters get their slots as soon as they answer.
        self.slot_seed = slot_seed(self, name, every_node, {m.name: self.containers[m.name] for m in self.plan.masters})
        # 5. The live settings (node timeout, AOF, the password) on every node, once every node rolled.
        rolled = [*self.containers.values(), *self.roll_steps.values()]
        self.live_settings = RedisLiveSettings(
            f"{name}-live-settings",
            RedisLiveSettingsArgs(formation=every_node, settings=live_settings(args), starting_password=starting),
            pulumi.ResourceOptions(parent=self, depends_on=rolled),
        )
        # 6. The formation: forms, reshards or repairs the cluster with the nodes as they now run, and
        #    verifies it whole.
        self.formation = formation(
            self, name, every_node, [*rolled, self.slot_seed, self.live_settings], deleted_with=self.teardown
        )


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
