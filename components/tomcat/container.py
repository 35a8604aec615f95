"""One Tomcat container, as the tutorial's `docker run -d -P --name NAME [--net NET] tomcat`.

The one place every scenario builds a Tomcat container, so they all publish, label and attach the
same way.
"""

from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence

import pulumi
import pulumi_docker as docker

from components.ephemeral_ports import ephemeral_port_warning, ephemeral_range
from components.errors import ConfigError
from components.network.ref import NetworkRef

TOMCAT_PORT = 8080
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class TomcatSpec:
    """One container: its engine name, and optionally a fixed host port and a static IP.

    `host_port=None` publishes 8080 on a random free host port, as `-P` does; a static IP is only
    possible on a user-defined network.
    """

    name: str
    host_port: Optional[int] = None
    ipv4_address: Optional[str] = None


def tomcat_container(
    resource_name: str,
    spec: TomcatSpec,
    *,
    image: pulumi.Input[str],
    network: NetworkRef,
    labels: Mapping[str, str],
    publish_address: str = LOOPBACK,
    hosts: Optional[pulumi.Input[Sequence[pulumi.Input[docker.ContainerHostArgs]]]] = None,
    opts: Optional[pulumi.ResourceOptions] = None,
    setting: str = "tomcat",
) -> docker.Container:
    """A running Tomcat container on `network`, 8080 published on `publish_address`.

    `image`: best a RemoteImage's `image_id`, so the container depends on the image resource;
    `setting`: the scenario's config key, so a warning names `<setting>.hostPorts.<name>`.
    """
    if spec.ipv4_address and not network.user_defined:
        raise ConfigError(
            f"{spec.name}.ipv4Address",
            "a static IP on the default bridge",
            "the engine only takes static IPs on a user-defined network: remove it",
        )
    if network.user_defined:
        # `--net NAME [--ip IP]`: an attachment, the only way the engine takes a static IP.
        joining: dict = {
            "networks_advanced": [
                docker.ContainerNetworksAdvancedArgs(name=network.name, ipv4_address=spec.ipv4_address)
            ]
        }
    else:
        joining = {"network_mode": network.name}
    container = docker.Container(
        resource_name,
        name=spec.name,
        image=image,
        ports=[
            docker.ContainerPortArgs(internal=TOMCAT_PORT, external=spec.host_port, ip=publish_address, protocol="tcp")
        ],
        hosts=hosts,
        labels=[docker.ContainerLabelArgs(label=k, value=v) for k, v in sorted(labels.items())],
        opts=opts,
        **joining,
    )
    if spec.host_port is not None:
        warning = ephemeral_port_warning(f"{setting}.hostPorts.{spec.name}", [spec.host_port], ephemeral_range())
        if warning:
            pulumi.log.warn(warning, container)
    return container


def ip_on_network(container: docker.Container, network_name: pulumi.Input[str]) -> pulumi.Output[str]:
    """The container's IPv4 address on the named network, as the engine assigned it."""
    return pulumi.Output.all(container.network_datas, network_name).apply(
        lambda values: find_network_ip(values[0] or [], values[1])
    )


def find_network_ip(network_data: Sequence[Mapping[str, Any]], network_name: str) -> str:
    # Entries are read as mappings: Output.all hands nested output types over as plain dicts.
    for entry in network_data:
        if entry.get("network_name") == network_name:
            return entry.get("ip_address") or ""
    raise ValueError(f"the container is not attached to the network '{network_name}'")
