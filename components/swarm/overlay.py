"""OverlayNetwork: an attachable overlay network (VXLAN) that spans the Swarm's nodes, on a subnet of
its own: services' tasks and standalone containers (`docker network connect`) on any node join it."""

import hashlib
import ipaddress
from dataclasses import dataclass, field
from typing import Dict, Mapping, Optional

import pulumi
import pulumi_docker as docker

from components.labels import project_labels

COMPONENT = "OverlayNetwork"
# Docker's overlay driver option: IPsec between the nodes for the VXLAN traffic (docs/swarm.md).
ENCRYPTED_OPTION = "encrypted"
VXLAN_IDS_OPTION = "com.docker.network.driver.overlay.vxlanid_list"
# Far above the IDs the Swarm hands out itself (from 4096 up) and below VXLAN's 2^24.
VXLAN_ID_BASE = 1_000_000
VXLAN_ID_SPAN = 15_000_000


@dataclass(frozen=True)
class OverlayNetworkArgs:
    """`name`: the engine name; `subnet`: checked by the caller against every node (swarm.checks)."""

    name: str
    subnet: ipaddress.IPv4Network
    labels: Mapping[str, str] = field(default_factory=dict)
    encrypted: bool = False


def vxlan_id(name: str) -> int:
    """The network's VXLAN ID, from its name. Given, not left to the Swarm: the engine reports the one it
    chose among the options, where a program without it would see a change (a replacement) every time."""
    digest = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big")
    return VXLAN_ID_BASE + digest % VXLAN_ID_SPAN


def network_options(args: OverlayNetworkArgs) -> Dict[str, str]:
    options = {VXLAN_IDS_OPTION: str(vxlan_id(args.name))}
    if args.encrypted:
        options[ENCRYPTED_OPTION] = "true"
    return options


class OverlayNetwork(pulumi.ComponentResource):
    """Outputs: name, network_id, subnet, gateway (the first host address, the engine's choice)."""

    name: pulumi.Output[str]
    network_id: pulumi.Output[str]
    subnet: pulumi.Output[str]
    gateway: pulumi.Output[str]
    resource: docker.Network

    def __init__(self, name: str, args: OverlayNetworkArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(f"docker-networking:index:{COMPONENT}", name, None, opts)
        labels = project_labels(stack=pulumi.get_stack(), component=COMPONENT, extra=args.labels)
        gateway = str(args.subnet.network_address + 1)
        self.resource = docker.Network(
            name,
            name=args.name,
            driver="overlay",
            attachable=True,  # standalone containers may join it, not only services' tasks
            ipam_configs=[docker.NetworkIpamConfigArgs(subnet=str(args.subnet), gateway=gateway)],
            options=network_options(args),
            labels=[docker.NetworkLabelArgs(label=k, value=v) for k, v in sorted(labels.items())],
            # Replaced under the same name, which two networks cannot share: the old one goes first.
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True),
        )
        self.name = self.resource.name
        self.network_id = self.resource.id
        self.subnet = pulumi.Output.from_input(str(args.subnet))
        self.gateway = pulumi.Output.from_input(gateway)
        self.register_outputs(
            {"name": self.name, "network_id": self.network_id, "subnet": self.subnet, "gateway": self.gateway}
        )
