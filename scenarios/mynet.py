"""Scenario 3, a user-defined network and `docker network connect`:

    docker run -d -P --name tomcat01 tomcat
    docker network create --driver bridge --subnet 192.168.0.0/16 --gateway 192.168.0.1 mynet
    docker run -d -P --name tomcat-net-01 --net mynet tomcat     (and tomcat-net-02)
    docker network connect mynet tomcat01

tomcat-net-01 and tomcat-net-02 resolve each other by name (the engine's DNS); tomcat01 reaches them
only once connected, and the connection neither recreates nor restarts it.
"""

import pulumi

from components.engine.host_addresses import require_engine_host_address
from components.labels import project_labels
from components.network.bridge import BridgeNetwork, look_up_default_bridge
from components.network.connection import NetworkConnection, NetworkConnectionArgs
from components.tomcat.container import tomcat_container
from components.tomcat.linked_pair import LinkedTomcatPair, LinkedTomcatPairArgs

from .stack_settings import read_stack
from .tomcat_image import tomcat_image
from .tomcat_outputs import describe_container, export_scenario
from .tomcat_settings import MynetStackConfig, mynet_settings


def build(config: pulumi.Config) -> None:
    settings = mynet_settings(read_stack(MynetStackConfig, config))
    tomcat = settings.tomcat
    require_engine_host_address(f"{tomcat.setting}.publishAddress", tomcat.publish_address)
    # First resource: its engine checks (subnet overlap) run before anything else is registered.
    mynet = BridgeNetwork("mynet", settings.network)
    docker0 = look_up_default_bridge()
    image = tomcat_image(tomcat.image)

    labels = project_labels(stack=pulumi.get_stack(), component="Tomcat", extra=tomcat.labels)
    tomcat01 = tomcat_container(
        "tomcat01",
        tomcat.spec("tomcat01", static_ip=False),
        image=image.image_id,
        network=docker0.ref(),
        publish_address=tomcat.publish_address,
        labels=labels,
        setting=tomcat.setting,
    )
    pair = LinkedTomcatPair(
        "mynet-pair",
        LinkedTomcatPairArgs(
            image=image.image_id,
            first=tomcat.spec("tomcat-net-01"),
            second=tomcat.spec("tomcat-net-02"),
            network=mynet.ref(),
            publish_address=tomcat.publish_address,
            labels=tomcat.labels,
            setting=tomcat.setting,
        ),
    )

    # The connection is its own resource: tomcat01's inputs never mention mynet, so the container
    # shows no diff after it, even after a refresh (the provider doesn't read networks back into the
    # container's inputs); tests/integration/test_mynet.py checks both previews. No ignore_changes needed.
    connections = []
    if settings.connect_tomcat01:
        connections.append(
            NetworkConnection(
                "tomcat01-mynet",
                NetworkConnectionArgs(
                    container=tomcat01.id, network=mynet.network_id, ipv4_address=tomcat.static_ips.get("tomcat01")
                ),
            )
        )

    export_scenario(
        {
            "tomcat01": describe_container(tomcat01, connections),
            "tomcat-net-01": describe_container(pair.first),
            "tomcat-net-02": describe_container(pair.second),
        },
        {"bridge": docker0, settings.network.name: mynet},
    )
