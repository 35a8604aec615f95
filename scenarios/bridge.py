"""Scenario 1, the default bridge: `docker run -d -P --name tomcat01 tomcat`, and tomcat02 alike.

Both containers sit on docker0 and reach each other by IP, not by name.
"""

import pulumi

from components.engine.host_addresses import require_engine_host_address
from components.network.bridge import look_up_default_bridge
from components.tomcat.linked_pair import LinkedTomcatPair, LinkedTomcatPairArgs

from .stack_settings import read_stack
from .tomcat_image import tomcat_image
from .tomcat_outputs import describe_container, export_scenario
from .tomcat_settings import BridgeStackConfig, bridge_settings


def build(config: pulumi.Config) -> None:
    settings = bridge_settings(read_stack(BridgeStackConfig, config))
    require_engine_host_address(f"{settings.setting}.publishAddress", settings.publish_address)
    docker0 = look_up_default_bridge()
    image = tomcat_image(settings.image)
    pair = LinkedTomcatPair(
        "docker0-pair",
        LinkedTomcatPairArgs(
            image=image.image_id,
            first=settings.spec("tomcat01"),
            second=settings.spec("tomcat02"),
            publish_address=settings.publish_address,
            labels=settings.labels,
            setting=settings.setting,
        ),
    )
    export_scenario(
        {"tomcat01": describe_container(pair.first), "tomcat02": describe_container(pair.second)}, {"bridge": docker0}
    )
