"""Scenario 4, the `redis` stack: a Redis Cluster on its own network, secure by default."""

import dataclasses
from typing import Union

import pulumi
from pulumi.runtime.config import is_config_secret

from components.engine.host_addresses import require_engine_host_address
from components.labels import name_prefix_labels
from components.redis.cluster import RedisCluster
from components.redis.model.cluster_args import RedisClusterArgs
from components.redis.settings import PASSWORD_SETTING, SETTING, cluster_args
from components.redis.swarm_cluster import SwarmRedisCluster
from components.settings import setting_name

from .redis_settings import RedisStackConfig
from .stack_settings import read_stack

CLUSTER_NAME = "redis"  # nodes redis-1 ... redis-N, as in the tutorial


def redis_args(stack: RedisStackConfig) -> RedisClusterArgs:
    """The component's arguments from this stack's settings; the network's engine name takes the prefix."""
    password = stack.redis_password
    if password is not None and not is_config_secret(setting_name(PASSWORD_SETTING)):
        pulumi.log.warn(
            f"setting '{setting_name(PASSWORD_SETTING)}' is stored in plain text in the stack "
            f"file; set it with `pulumi config set --secret {PASSWORD_SETTING} <password>`"
        )
    args = cluster_args(
        stack.redis,
        image=stack.redis_image,
        keep_image=stack.keep_images,
        password=password,
        setting=setting_name(SETTING),
    )
    prefix = stack.name_prefix
    args = dataclasses.replace(args, network_name=prefix + args.network_name, labels=name_prefix_labels(prefix))
    if not args.auth and password is not None:
        pulumi.log.warn(
            f"setting '{setting_name(PASSWORD_SETTING)}' is ignored: '{setting_name(SETTING)}.auth' is false"
        )
    return args


def build(config: pulumi.Config) -> None:
    stack = read_stack(RedisStackConfig, config)
    args = redis_args(stack)
    # On one engine the containers publish their ports there (on a Swarm, on each node's own addresses).
    require_engine_host_address(f"{args.setting}.bindAddress", args.bind_address)
    # The cluster's name is the start of every node's name: redis-1 ..., or <prefix>redis-1 ...
    export_cluster(RedisCluster(stack.name_prefix + CLUSTER_NAME, args))


def export_cluster(cluster: Union[RedisCluster, SwarmRedisCluster]) -> None:
    """The stack outputs of a Redis Cluster stack (redis, and swarm on a Swarm)."""
    if cluster.password is not None:
        pulumi.export("password", cluster.password)  # a secret: `pulumi stack output --show-secrets password`
    pulumi.export(
        "network", {"name": cluster.network.name, "subnet": cluster.network.subnet, "gateway": cluster.network.gateway}
    )
    pulumi.export("plan", cluster.plan.summary())
    pulumi.export("nodes", cluster.nodes)
    pulumi.export("healthy", cluster.formation.healthy)
    pulumi.export("addressMap", cluster.address_map)
    pulumi.export("connect", cluster.connect)
