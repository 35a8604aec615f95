"""What a person wants to read after `pulumi up`: per container its networks and IPs, its published
ports and the hosts entries a link added; per network its name, subnet and gateway."""

from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Union

import pulumi
import pulumi_docker as docker

from components.network.bridge import BridgeNetwork, DefaultBridge
from components.network.connection import NetworkConnection


def summarize_container(
    name: str,
    container_id: str,
    network_data: Optional[Sequence[Mapping[str, Any]]],
    ports: Optional[Sequence[Mapping[str, Any]]],
    hosts: Optional[Sequence[Mapping[str, Any]]],
    connected: Sequence[Tuple[str, str]] = (),
) -> Dict[str, Any]:
    """Pure: the engine's view of one container, in the shapes `docker ps` and `docker inspect` use.

    `connected` holds (network, IP) of attachments made after the container was created; the
    container's own network data only shows them after a refresh. Entries are read as mappings
    (Output.all hands nested output types over as plain dicts); a container with none has None.
    """
    networks = {entry["network_name"]: entry["ip_address"] for entry in network_data or []}
    networks.update(dict(connected))
    return {
        "name": name,
        "id": container_id,
        "networks": dict(sorted(networks.items())),
        "ports": [f"{port['ip']}:{port['external']}->{port['internal']}/{port['protocol']}" for port in ports or []],
        "hosts": sorted(f"{entry['ip']} {entry['host']}" for entry in hosts or []),
    }


def describe_container(
    container: docker.Container, connections: Sequence[NetworkConnection] = ()
) -> pulumi.Output[Dict[str, Any]]:
    connected = [pulumi.Output.all(c.network_name, c.ip_address).apply(tuple) for c in connections]
    return pulumi.Output.all(
        container.name,
        container.id,
        container.network_datas,
        container.ports,
        container.hosts,
        pulumi.Output.all(*connected),
    ).apply(lambda values: summarize_container(*values))


# A network a scenario reports: one it created, or docker0 looked up; both have the same outputs.
Network = Union[BridgeNetwork, DefaultBridge]


def describe_network(network: Network) -> pulumi.Output[Dict[str, str]]:
    return pulumi.Output.all(network.name, network.network_id, network.subnet, network.gateway).apply(
        lambda values: dict(zip(("name", "id", "subnet", "gateway"), values))
    )


def export_scenario(containers: Dict[str, pulumi.Output[Dict[str, Any]]], networks: Mapping[str, Network]) -> None:
    """The stack outputs `containers` and `networks`, both keyed by engine name."""
    pulumi.export("containers", containers)
    pulumi.export("networks", {name: describe_network(network) for name, network in networks.items()})
