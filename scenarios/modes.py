"""The network modes the tutorial lists before it builds mynet, one Tomcat container each:

    docker run -d -P --name tomcat-bridge tomcat                     # bridge, the default: docker0
    docker run -d    --name tomcat-none --net none tomcat            # only lo
    docker run -d    --name tomcat-host --net host tomcat            # the host's network stack
    docker run -d -P --name tomcat-reference tomcat                  # on docker0, for the next one to join
    docker run -d    --name tomcat-container --net container:tomcat-reference tomcat

tomcat-host's Tomcat listens on `modes.hostPort` of the host's loopback, tomcat-container's on 8081 (the
namespace it shares has a Tomcat on 8080 already). docs/network-modes.md tells what each one shows.
"""

from typing import Any, Dict, Mapping, Optional, Sequence

import pulumi
import pulumi_docker as docker

from components.ephemeral_ports import ephemeral_port_warning, ephemeral_range
from components.labels import project_labels
from components.network.bridge import look_up_default_bridge
from components.tomcat.container import LOOPBACK, TomcatSpec, tomcat_container
from components.tomcat.network_modes import HOST, NONE, container_mode, mode_tomcat_container

from . import modes_settings
from .modes_settings import (
    BRIDGE_CONTAINER,
    HOST_CONTAINER,
    JOINER_PORT,
    JOINING_CONTAINER,
    NONE_CONTAINER,
    REFERENCE_CONTAINER,
    ModesSettings,
    ModesStackConfig,
    check_host_port,
    scenario_settings,
    stale_namespace_warning,
)
from .stack_settings import read_stack
from .tomcat_image import tomcat_image
from .tomcat_outputs import export_scenario, summarize_container

COMPONENT = "NetworkMode"


def build(config: pulumi.Config) -> None:
    stack = pulumi.get_stack()
    settings = scenario_settings(read_stack(ModesStackConfig, config))
    view = modes_settings.default_modes_view()  # looked up when called: unit tests replace it
    # Before the first registration: a taken port creates nothing.
    host_warnings = [
        check_host_port(settings, stack, view),
        ephemeral_port_warning(f"{settings.setting}.hostPort", [settings.host_port], ephemeral_range()),
    ]
    joiner_warning = stale_namespace_warning(settings, view)

    docker0 = look_up_default_bridge()
    image = tomcat_image(settings.image).image_id
    labels = project_labels(stack=stack, component=COMPONENT, extra=settings.labels)
    # Fixed names: the old container must go before its replacement can take the name. For the joined one it
    # also orders a replacement: Pulumi removes tomcat-container (whose network_mode names the old id) first,
    # and creates it again in the new container's namespace (docs/network-modes.md).
    fixed_name = pulumi.ResourceOptions(delete_before_replace=True)

    containers: Dict[str, docker.Container] = {
        name: tomcat_container(
            name,
            TomcatSpec(settings.name(name)),
            image=image,
            network=docker0.ref(),
            labels=labels,
            opts=fixed_name,
            setting=settings.setting,
        )
        for name in (REFERENCE_CONTAINER, BRIDGE_CONTAINER)
    }
    containers[NONE_CONTAINER] = mode_tomcat_container(
        NONE_CONTAINER, settings.name(NONE_CONTAINER), image=image, network_mode=NONE, labels=labels, opts=fixed_name
    )
    containers[HOST_CONTAINER] = mode_tomcat_container(
        HOST_CONTAINER,
        settings.name(HOST_CONTAINER),
        image=image,
        network_mode=HOST,
        labels=labels,
        http_port=settings.host_port,
        http_address=LOOPBACK,
        opts=fixed_name,
    )
    joined = containers[settings.joins]
    containers[JOINING_CONTAINER] = mode_tomcat_container(
        JOINING_CONTAINER,
        settings.name(JOINING_CONTAINER),
        image=image,
        network_mode=joined.id.apply(container_mode),
        labels=labels,
        http_port=JOINER_PORT,
        opts=fixed_name,
    )

    for warning, name in [*((w, HOST_CONTAINER) for w in host_warnings), (joiner_warning, JOINING_CONTAINER)]:
        if warning:
            pulumi.log.warn(warning, containers[name])
    export_scenario(
        {name: describe(name, container, settings, containers) for name, container in containers.items()},
        {"bridge": docker0},
    )


MODES = {REFERENCE_CONTAINER: "bridge", BRIDGE_CONTAINER: "bridge", NONE_CONTAINER: NONE, HOST_CONTAINER: HOST}


def summarize_mode(
    mode: str,
    url: Optional[str],
    joins: Optional[Mapping[str, Any]],
    name: str,
    container_id: str,
    network_mode: str,
    network_data: Sequence[Mapping[str, Any]],
    ports: Sequence[Mapping[str, Any]],
) -> Dict[str, Any]:
    """Pure: one container of the stack as the engine reports it, with the mode a reader asked for (`url` for
    tomcat-host, `joins` for tomcat-container; then what Output.all gives of the container).

    `networkMode` is the engine's HostConfig.NetworkMode (container:<id> for the joiner); `interfaces` are the
    endpoints the engine made for it: one on docker0 for a bridge container, an empty one on `none` or `host`,
    none at all for the joiner, whose interfaces are the joined container's (`joins`).
    """
    summary = summarize_container(name, container_id, network_data, ports, [])
    summary.pop("hosts")
    interfaces = {
        entry["network_name"]: {
            "ip": f"{entry['ip_address']}/{entry.get('ip_prefix_length')}" if entry.get("ip_address") else "",
            "mac": entry.get("mac_address") or "",
            "gateway": entry.get("gateway") or "",
        }
        for entry in network_data or []
    }
    summary.update(
        {
            "mode": mode,
            "networkMode": network_mode,
            "interfaces": dict(sorted(interfaces.items())),
            "ips": sorted(entry["ip_address"] for entry in network_data or [] if entry.get("ip_address")),
        }
    )
    if url:
        summary["url"] = url
    if joins is not None:
        summary["joins"] = dict(joins)
    return summary


def describe(
    name: str, container: docker.Container, settings: ModesSettings, containers: Mapping[str, docker.Container]
) -> pulumi.Output[Dict[str, Any]]:
    url = settings.host_url if name == HOST_CONTAINER else None
    common = pulumi.Output.all(
        container.name, container.id, container.network_mode, container.network_datas, container.ports
    )
    if name != JOINING_CONTAINER:
        return common.apply(lambda v: summarize_mode(MODES[name], url, None, *v))
    joined = containers[settings.joins]
    joins = pulumi.Output.all(joined.name, joined.id, joined.network_datas).apply(
        lambda v: {
            "container": settings.joins,
            "name": v[0],
            "id": v[1],
            "ips": sorted(e["ip_address"] for e in v[2] or [] if e.get("ip_address")),
        }
    )
    return pulumi.Output.all(common, joins).apply(
        lambda v: summarize_mode(f"container:{v[1]['name']}", None, v[1], *v[0])
    )
