"""LinkedTomcatPair: two Tomcat containers on one network, the second optionally linked to the first.

The link is what `docker run --link FIRST` made visible: one line in the second container's
/etc/hosts, `<first's IP>  <first's name> <first's short ID>`; no DNS and no reverse entry, so the
link is one way. Docker is removing legacy links from the engine; writing the hosts entry (as
`--add-host` does) keeps the tutorial's scenario working. Unlike an engine link, the line is written
once: if the first container comes back with another IP, a refresh and `up` recreate the second.
"""

from dataclasses import dataclass, field
from typing import List, Mapping, Optional, TypedDict

import pulumi
import pulumi_docker as docker

from components.labels import project_labels
from components.network.ref import NetworkRef
from components.tomcat.checks import (
    parse_host_port,
    parse_publish_address,
    plan_static_ips,
    require_container_names,
    require_unique_host_ports,
)
from components.tomcat.container import LOOPBACK, TomcatSpec, ip_on_network, tomcat_container

SHORT_ID_LENGTH = 12


class _CommonContainerArgs(TypedDict):
    """The keyword arguments of `tomcat_container` both containers of a pair share."""

    image: pulumi.Input[str]
    network: NetworkRef
    labels: Mapping[str, str]
    publish_address: str
    setting: str


@dataclass(frozen=True)
class LinkedTomcatPairArgs:
    """Two Tomcat containers on `network` (default: docker0).

    `image`: best a RemoteImage's `image_id`, so the containers depend on the image resource and are
    recreated when it changes; `setting` prefixes the names of settings in error messages.
    """

    image: pulumi.Input[str]
    first: TomcatSpec
    second: TomcatSpec
    network: NetworkRef = field(default_factory=NetworkRef.default_bridge)
    link_second_to_first: bool = False
    publish_address: str = LOOPBACK
    labels: Mapping[str, str] = field(default_factory=dict)
    setting: str = "pair"


def validate_pair(args: LinkedTomcatPairArgs) -> None:
    """Pure checks of the pair's settings; raises ConfigError before anything is registered."""
    specs = (args.first, args.second)
    require_container_names(f"{args.setting}.names", [spec.name for spec in specs])
    for spec in specs:
        if spec.host_port is not None:
            parse_host_port(f"{args.setting}.hostPorts.{spec.name}", spec.host_port)
    require_unique_host_ports(f"{args.setting}.hostPorts", {spec.name: spec.host_port for spec in specs})
    plan_static_ips(
        f"{args.setting}.staticIps", {spec.name: spec.ipv4_address for spec in specs if spec.ipv4_address}, args.network
    )
    parse_publish_address(f"{args.setting}.publishAddress", args.publish_address)


def link_host_names(alias: str, container_id: str) -> str:
    """The names `--link` writes after the IP: the alias, then the linked container's short ID
    (which is also its default hostname)."""
    return f"{alias} {container_id[:SHORT_ID_LENGTH]}"


class LinkedTomcatPair(pulumi.ComponentResource):
    """Outputs: the two containers, their IPs on the network, and the hosts lines a link added."""

    first: docker.Container
    second: docker.Container
    first_ip: pulumi.Output[str]
    second_ip: pulumi.Output[str]
    link_hosts: pulumi.Output[List[str]]

    def __init__(
        self, resource_name: str, args: LinkedTomcatPairArgs, opts: Optional[pulumi.ResourceOptions] = None
    ) -> None:
        validate_pair(args)
        super().__init__("docker-networking:index:LinkedTomcatPair", resource_name, None, opts)
        labels = project_labels(stack=pulumi.get_stack(), component="LinkedTomcatPair", extra=args.labels)
        common = _CommonContainerArgs(
            image=args.image,
            network=args.network,
            labels=labels,
            publish_address=args.publish_address,
            setting=args.setting,
        )

        self.first = tomcat_container(
            f"{resource_name}-{args.first.name}", args.first, **common, opts=pulumi.ResourceOptions(parent=self)
        )
        self.first_ip = ip_on_network(self.first, args.network.name)

        hosts = None
        if args.link_second_to_first:
            hosts = [
                docker.ContainerHostArgs(
                    host=self.first.id.apply(lambda cid: link_host_names(args.first.name, cid)), ip=self.first_ip
                )
            ]
        self.second = tomcat_container(
            f"{resource_name}-{args.second.name}",
            args.second,
            **common,
            hosts=hosts,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.second_ip = ip_on_network(self.second, args.network.name)
        self.link_hosts = self.second.hosts.apply(
            lambda entries: [f"{entry.get('ip')} {entry.get('host')}" for entry in entries or []]
        )

        self.register_outputs(
            {
                "first_id": self.first.id,
                "second_id": self.second.id,
                "first_ip": self.first_ip,
                "second_ip": self.second_ip,
                "link_hosts": self.link_hosts,
            }
        )
