"""PinnedService: one task of one image on one Swarm node, on an overlay network, as pulumi-docker's
Service. Swarm schedules and restarts it; the stack only says where.

endpoint_mode dnsrr: the service's name resolves to its task's address. The default (a virtual IP)
needs IPVS in every node's kernel, which this project's machines lack; host-mode published ports for
the same reason (the ingress routing mesh is IPVS too). docs/swarm.md.
"""

from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import pulumi
import pulumi_docker as docker

from components.labels import project_labels

COMPONENT = "PinnedService"
HOSTNAME_CONSTRAINT = "node.hostname=={}"


@dataclass(frozen=True)
class PinnedServiceArgs:
    """`name`: the service's engine name (its DNS name on the overlay); `node`: the hostname of the node
    its task runs on; `network`: the overlay's ID; `host_ports`: container port -> port published on that
    node's addresses (host mode). `configs`, `secrets` and `mounts` go to the task's container as given."""

    name: str
    image: pulumi.Input[str]
    node: str
    network: pulumi.Input[str]
    labels: Mapping[str, str] = field(default_factory=dict)
    args: Sequence[str] = ()
    host_ports: Mapping[int, int] = field(default_factory=dict)
    configs: Sequence[docker.ServiceTaskSpecContainerSpecConfigArgs] = ()
    secrets: Sequence[docker.ServiceTaskSpecContainerSpecSecretArgs] = ()
    mounts: Sequence[docker.ServiceTaskSpecContainerSpecMountArgs] = ()
    stop_grace_period: Optional[str] = None
    converge_timeout: str = "3m"
    start_after: Sequence[pulumi.Resource] = ()  # what must exist before the task starts (its volume)


def placement_constraints(node: str) -> list:
    return [HOSTNAME_CONSTRAINT.format(node)]


class PinnedService(pulumi.ComponentResource):
    """Outputs: name, node (the hostname it is pinned to) and service_id."""

    name: pulumi.Output[str]
    node: pulumi.Output[str]
    service_id: pulumi.Output[str]
    resource: docker.Service

    def __init__(self, name: str, args: PinnedServiceArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(f"docker-networking:index:{COMPONENT}", name, None, opts)
        labels = project_labels(stack=pulumi.get_stack(), component=COMPONENT, extra=args.labels)
        ports = [
            docker.ServiceEndpointSpecPortArgs(target_port=target, published_port=published, publish_mode="host")
            for target, published in sorted(args.host_ports.items())
        ]
        self.resource = docker.Service(
            name,
            name=args.name,
            labels=[docker.ServiceLabelArgs(label=k, value=v) for k, v in sorted(labels.items())],
            task_spec=docker.ServiceTaskSpecArgs(
                container_spec=docker.ServiceTaskSpecContainerSpecArgs(
                    image=args.image,
                    args=list(args.args) or None,
                    # The task's container carries the labels too: cleanup and `docker ps` find it by them.
                    labels=[
                        docker.ServiceTaskSpecContainerSpecLabelArgs(label=k, value=v)
                        for k, v in sorted(labels.items())
                    ],
                    configs=list(args.configs) or None,
                    secrets=list(args.secrets) or None,
                    mounts=list(args.mounts) or None,
                    stop_grace_period=args.stop_grace_period,
                ),
                networks_advanceds=[docker.ServiceTaskSpecNetworksAdvancedArgs(id=args.network)],
                placement=docker.ServiceTaskSpecPlacementArgs(constraints=placement_constraints(args.node)),
                # window "0s" as the engine reports it back, so a refresh shows no change.
                restart_policy=docker.ServiceTaskSpecRestartPolicyArgs(condition="any", delay="1s", window="0s"),
            ),
            endpoint_spec=docker.ServiceEndpointSpecArgs(mode="dnsrr", ports=ports or None),
            mode=docker.ServiceModeArgs(replicated=docker.ServiceModeReplicatedArgs(replicas=1)),
            # `pulumi up` returns once the task runs, not when Swarm has merely accepted the service.
            converge_config=docker.ServiceConvergeConfigArgs(delay="1s", timeout=args.converge_timeout),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.start_after)),
        )
        self.name = self.resource.name
        self.node = pulumi.Output.from_input(args.node)
        self.service_id = self.resource.id
        self.register_outputs({"name": self.name, "node": self.node, "service_id": self.service_id})
