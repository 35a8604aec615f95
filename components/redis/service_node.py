"""RedisServiceNode: one node of a RedisCluster as a Swarm service, the counterpart of RedisNode's container.

Its redis.conf is a docker config and the password file a docker secret (the password exists only as a
Pulumi secret and in the Swarm's encrypted store); both are mounted where a container node has its
uploaded files. Its data is a named volume on the Swarm node it is pinned to, so a restarted task finds
its nodes.conf and rejoins as the same node. Configs and secrets are immutable: a changed one gets a new
name (Pulumi's auto-naming) and the service is updated to it.
"""

import base64
from dataclasses import dataclass, field
from typing import Mapping, Optional

import pulumi
import pulumi_docker as docker

from components.redis.model.config import (
    AUTH_PATH,
    CONFIG_PATH,
    DATA_DIR,
    SERVER_COMMAND,
    RedisNodeConfig,
    render_auth_config,
    render_node_config,
)
from components.redis.model.plan import NodePlan
from components.swarm.service import PinnedService, PinnedServiceArgs

COMPONENT = "RedisServiceNode"
READ_ONLY = 0o400


def _base64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@dataclass(frozen=True)
class RedisServiceNodeArgs:
    node: NodePlan  # node.host: the Swarm node's hostname; node.port, node.bus_port: published and listened on
    config: RedisNodeConfig
    image: str  # by name: every Swarm node has it (by ID it would differ from node to node)
    network_id: pulumi.Input[str]
    labels: Mapping[str, str] = field(default_factory=dict)
    password: Optional[pulumi.Output[str]] = None  # a secret; None when authentication is off
    # The engine of the Swarm node the service is pinned to: the data volume is then created there as a
    # resource of the stack, and `pulumi destroy` removes it; None: the engine creates it for the task.
    node_engine: Optional[pulumi.ProviderResource] = None


class RedisServiceNode(pulumi.ComponentResource):
    """Outputs: service (the PinnedService), config (the docker config) and volume (the data volume's name)."""

    service: PinnedService
    config: docker.ServiceConfig
    secret: Optional[docker.Secret]
    volume: pulumi.Output[str]
    volume_resource: Optional[docker.Volume]

    def __init__(self, name: str, args: RedisServiceNodeArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(f"docker-networking:index:{COMPONENT}", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        node = args.node
        labels = sorted(args.labels.items())
        self.config = docker.ServiceConfig(
            f"{node.name}-conf",
            data=_base64(render_node_config(args.config)),
            labels=[docker.ServiceConfigLabelArgs(label=k, value=v) for k, v in labels],
            opts=child,
        )
        configs = [
            docker.ServiceTaskSpecContainerSpecConfigArgs(
                config_id=self.config.id, config_name=self.config.name, file_name=CONFIG_PATH, file_mode=READ_ONLY
            )
        ]
        self.secret = None
        secrets = []
        if args.password is not None:
            self.secret = docker.Secret(
                f"{node.name}-auth",
                data=args.password.apply(lambda p: _base64(render_auth_config(p))),  # still a secret
                labels=[docker.SecretLabelArgs(label=k, value=v) for k, v in labels],
                opts=child,
            )
            secrets.append(
                docker.ServiceTaskSpecContainerSpecSecretArgs(
                    secret_id=self.secret.id, secret_name=self.secret.name, file_name=AUTH_PATH, file_mode=READ_ONLY
                )
            )
        volume = node.volume
        self.volume_resource = None
        if args.node_engine is not None:
            self.volume_resource = docker.Volume(
                volume,
                name=volume,
                labels=[docker.VolumeLabelArgs(label=k, value=v) for k, v in labels],
                opts=pulumi.ResourceOptions(parent=self, provider=args.node_engine),
            )
        mount = docker.ServiceTaskSpecContainerSpecMountArgs(
            type="volume",
            source=volume,
            target=DATA_DIR,
            # The engine creates it on the node that runs the task; the labels let cleanup find it there.
            volume_options=docker.ServiceTaskSpecContainerSpecMountVolumeOptionsArgs(
                labels=[
                    docker.ServiceTaskSpecContainerSpecMountVolumeOptionsLabelArgs(label=k, value=v) for k, v in labels
                ]
            ),
        )
        self.service = PinnedService(
            node.name,
            PinnedServiceArgs(
                name=node.name,
                image=args.image,
                node=node.host,
                network=args.network_id,
                labels=args.labels,
                args=SERVER_COMMAND,
                # Target = published: the node listens on the port it announces.
                host_ports={node.port: node.port, node.bus_port: node.bus_port},
                configs=configs,
                secrets=secrets,
                mounts=[mount],
                # The volume first, with its labels: else the engine would make one without them.
                start_after=[self.volume_resource] if self.volume_resource else [],
            ),
            child,
        )
        self.volume = pulumi.Output.from_input(volume)
        self.register_outputs({"service": self.service.service_id, "volume": self.volume})
