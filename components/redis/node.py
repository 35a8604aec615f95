"""RedisNode: one node of a RedisCluster, its data volume and its container.

The container gets its rendered redis.conf (a file asset, uploaded with its sha256) and, when the cluster
has a password, a second, secret file with the password it starts with (the current one comes live).
Grouping each node's volume and container under a component of their own also lets `pulumi destroy`
delete the volumes together with the network (Pulumi deletes level by level of the resource tree and its
dependencies).
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional, Sequence

import pulumi
import pulumi_docker as docker

from components.redis.model.cluster_args import BUS_PORT, CLIENT_PORT
from components.redis.model.config import (
    AUTH_PATH,
    CONFIG_PATH,
    DATA_DIR,
    RedisNodeConfig,
    render_auth_config,
    render_node_config,
)
from components.redis.model.plan import NodePlan
from components.redis.model.run_script import NODE_COMMAND, RUN_PATH, STOP_TIMEOUT_SECONDS, render_run_script
from components.redis.node_files import write_if_changed

COMPONENT = "RedisNode"


@dataclass(frozen=True)
class RedisNodeArgs:
    node: NodePlan
    config: RedisNodeConfig
    image_id: pulumi.Input[str]
    network_name: pulumi.Input[str]
    bind_address: str
    restart_policy: str
    labels: Mapping[str, str]
    build_dir: Path
    # A secret, the password auth.conf starts the node with (StartingPassword); None when authentication is off.
    password: Optional[pulumi.Output[str]]
    start_after: Sequence[pulumi.Resource] = ()  # what this container waits for: its master's, or a roll's step
    # Removes the container and the volume when the whole cluster goes (RedisTeardown): then theirs is no
    # delete of their own.
    deleted_with: Optional[pulumi.Resource] = None


class RedisNode(pulumi.ComponentResource):
    volume: docker.Volume
    container: docker.Container
    config_file: pulumi.FileAsset

    def __init__(self, name: str, args: RedisNodeArgs, opts: pulumi.ResourceOptions) -> None:
        super().__init__(f"docker-networking:index:{COMPONENT}", name, None, opts)
        # Before this component existed, volume and container were children of the cluster itself.
        child = pulumi.ResourceOptions(
            parent=self,
            aliases=[pulumi.Alias(parent=opts.parent)],
            # Fixed names, IPs and ports: the old one must go before its successor.
            delete_before_replace=True,
            deleted_with=args.deleted_with,
        )
        node = args.node
        labels = sorted(args.labels.items())
        self.volume = docker.Volume(
            node.volume,
            name=node.volume,
            labels=[docker.VolumeLabelArgs(label=k, value=v) for k, v in labels],
            opts=child,
        )
        rendered = write_if_changed(args.build_dir / node.name / "redis.conf", render_node_config(args.config))
        self.config_file = pulumi.FileAsset(str(rendered.path))
        # The first process: redis-server, and a master's hand-over to its replica on `docker stop`.
        run_script = write_if_changed(args.build_dir / node.name / "run.sh", render_run_script())
        uploads = [
            docker.ContainerUploadArgs(file=CONFIG_PATH, source=str(rendered.path), source_hash=rendered.sha256),
            docker.ContainerUploadArgs(file=RUN_PATH, source=str(run_script.path), source_hash=run_script.sha256),
        ]
        if args.password is not None:
            uploads.append(
                docker.ContainerUploadArgs(
                    file=AUTH_PATH, content=pulumi.Output.secret(args.password.apply(render_auth_config))
                )
            )
        self.container = docker.Container(
            node.name,
            name=node.name,
            image=args.image_id,
            command=list(NODE_COMMAND),
            stop_timeout=STOP_TIMEOUT_SECONDS,
            # Pulumi stops it as `docker stop` does before removing it, so a master hands over when replaced.
            destroy_grace_seconds=STOP_TIMEOUT_SECONDS,
            networks_advanced=[docker.ContainerNetworksAdvancedArgs(name=args.network_name, ipv4_address=node.ip)],
            ports=[
                docker.ContainerPortArgs(
                    internal=CLIENT_PORT, external=node.host_port, ip=args.bind_address, protocol="tcp"
                ),
                docker.ContainerPortArgs(
                    internal=BUS_PORT, external=node.bus_host_port, ip=args.bind_address, protocol="tcp"
                ),
            ],
            volumes=[docker.ContainerVolumeArgs(volume_name=self.volume.name, container_path=DATA_DIR)],
            uploads=uploads,
            restart=args.restart_policy,
            must_run=True,
            labels=[docker.ContainerLabelArgs(label=k, value=v) for k, v in labels],
            opts=pulumi.ResourceOptions.merge(
                child, pulumi.ResourceOptions(additional_secret_outputs=["uploads"], depends_on=list(args.start_after))
            ),
        )
        self.register_outputs({"container": self.container.id, "volume": self.volume.name})
