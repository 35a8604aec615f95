"""Scenario 2, legacy `--link`: tomcat01 and tomcat02 on docker0, then
`docker run -d -P --name tomcat03 --link tomcat02 tomcat`.

tomcat03 resolves tomcat02 through one line in its /etc/hosts; tomcat02 cannot resolve tomcat03.
"""

import pulumi

from components.engine.host_addresses import require_engine_host_address
from components.labels import project_labels
from components.network.bridge import look_up_default_bridge
from components.tomcat.container import tomcat_container
from components.tomcat.linked_pair import LinkedTomcatPair, LinkedTomcatPairArgs

from .stack_settings import read_stack
from .tomcat_image import tomcat_image
from .tomcat_outputs import describe_container, export_scenario
from .tomcat_settings import LinkStackConfig, link_settings


def build(config: pulumi.Config) -> None:
    settings = link_settings(read_stack(LinkStackConfig, config))
    require_engine_host_address(f"{settings.setting}.publishAddress", settings.publish_address)
    docker0 = look_up_default_bridge()
    image = tomcat_image(settings.image)
    labels = project_labels(stack=pulumi.get_stack(), component="Tomcat", extra=settings.labels)
    tomcat01 = tomcat_container(
        "tomcat01",
        settings.spec("tomcat01"),
        image=image.image_id,
        network=docker0.ref(),
        publish_address=settings.publish_address,
        labels=labels,
        setting=settings.setting,
    )
    pair = LinkedTomcatPair(
        "link-pair",
        LinkedTomcatPairArgs(
            image=image.image_id,
            first=settings.spec("tomcat02"),
            second=settings.spec("tomcat03"),
            link_second_to_first=True,
            publish_address=settings.publish_address,
            labels=settings.labels,
            setting=settings.setting,
        ),
    )
    export_scenario(
        {
            "tomcat01": describe_container(tomcat01),
            "tomcat02": describe_container(pair.first),
            "tomcat03": describe_container(pair.second),
        },
        {"bridge": docker0},
    )
