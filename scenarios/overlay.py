"""The mynet scenario across hosts, on a Docker Swarm:

    docker network create --driver overlay --attachable --subnet 10.39.0.0/24 mynet
    docker service create --name tomcat-net-01 --network mynet --endpoint-mode dnsrr \
        --constraint node.hostname==NODE2 tomcat                 (and tomcat-net-02 on NODE3)
    docker run -d -P --name tomcat01 tomcat                      (on the manager)
    docker network connect mynet tomcat01

tomcat-net-01 and tomcat-net-02 run on two other nodes and resolve each other by name over the overlay
(VXLAN between the hosts); tomcat01 reaches them once connected, without a restart. Everything is
checked before anything is created: the engine is a Swarm manager, the Swarm has the nodes, the subnet
is free on every node whose engine the stack knows, and the nodes that run Tomcat (the services' and the
manager) have its image or can pull it (docs/swarm.md).
"""

from typing import Any, Dict

import pulumi

from components.images.names import LOCAL_IMAGES
from components.labels import project_labels
from components.network.bridge import look_up_default_bridge
from components.network.connection import NetworkConnection, NetworkConnectionArgs
from components.settings import setting_name
from components.swarm import facts as swarm_facts
from components.swarm.checks import check_overlay_subnet, require_manager
from components.swarm.images import check_image_on_nodes
from components.swarm.overlay import OverlayNetwork
from components.swarm.service import PinnedService, PinnedServiceArgs
from components.tomcat.container import TomcatSpec, tomcat_container

from .overlay_settings import (
    SERVICES,
    STANDALONE,
    OverlaySettings,
    OverlayStackConfig,
    overlay_settings,
    plan_placement,
)
from .stack_settings import read_stack
from .tomcat_image import tomcat_image
from .tomcat_outputs import describe_container
from .tomcat_settings import IMAGE_SETTING


def _checked(settings: OverlaySettings) -> Dict[str, str]:
    """Every check that needs the Swarm, before anything is registered; returns the placement."""
    engines = {
        hostname: swarm_facts.engine_client_for(f"{settings.setting}.nodeEngines.{hostname}", host)
        for hostname, host in settings.node_engines.items()
    }
    swarm = swarm_facts.default_swarm(engines)  # looked up now: unit tests replace it
    facts = swarm.facts()
    require_manager(facts)
    placement = plan_placement(settings, facts)
    network = settings.network
    check_overlay_subnet(
        f"{settings.setting}.network.subnet", network.name, network.subnet, swarm.node_inventories(), pulumi.get_stack()
    )
    check_image_on_nodes(
        setting_name(IMAGE_SETTING),
        settings.image.name,
        [facts.hostname, *(placement[service] for service in SERVICES)],  # tomcat01 runs on the manager
        swarm.node_engines(),
        engines_setting=f"{settings.setting}.nodeEngines",
        local_image=LOCAL_IMAGES[IMAGE_SETTING],
    )
    return placement


def build(config: pulumi.Config) -> None:
    settings = overlay_settings(read_stack(OverlayStackConfig, config))
    placement = _checked(settings)
    network = OverlayNetwork("mynet", settings.network)
    labels = settings.network.labels
    services = {
        name: PinnedService(
            name,
            PinnedServiceArgs(
                name=settings.engine_name(name),
                # By name: every node has the image (make swarm-up loads it); its ID differs per node.
                image=settings.image.name,
                node=placement[name],
                network=network.network_id,
                labels=labels,
            ),
        )
        for name in SERVICES
    }
    image = tomcat_image(settings.image)
    tomcat01 = tomcat_container(
        STANDALONE,
        TomcatSpec(name=settings.engine_name(STANDALONE)),
        image=image.image_id,
        network=look_up_default_bridge().ref(),
        labels=project_labels(stack=pulumi.get_stack(), component="Tomcat", extra=labels),
        setting=settings.setting,
    )
    connections = []
    if settings.connect_tomcat01:
        connections.append(
            NetworkConnection(
                f"{STANDALONE}-mynet", NetworkConnectionArgs(container=tomcat01.id, network=network.network_id)
            )
        )

    pulumi.export(
        "network",
        pulumi.Output.all(network.name, network.network_id, network.subnet, network.gateway).apply(
            lambda values: {**dict(zip(("name", "id", "subnet", "gateway"), values)), "driver": "overlay"}
        ),
    )
    pulumi.export("services", {name: _describe_service(service) for name, service in services.items()})
    pulumi.export("containers", {STANDALONE: describe_container(tomcat01, connections)})


def _describe_service(service: PinnedService) -> pulumi.Output[Dict[str, Any]]:
    return pulumi.Output.all(service.name, service.service_id, service.node).apply(
        lambda values: dict(zip(("name", "id", "node"), values))
    )
