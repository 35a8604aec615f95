"""The Tomcat image every Tomcat scenario runs: `docker-networking:tomcatImage`, kept on destroy
unless `docker-networking:keepImages` is false."""

import pulumi
import pulumi_docker as docker

from components.images.remote import image

from .config_values import optional_bool
from .tomcat_settings import IMAGE_SETTING, ImageSettings, parse_image


def image_settings(config: pulumi.Config) -> ImageSettings:
    return parse_image(config.get(IMAGE_SETTING), optional_bool(config, "keepImages", default=True))


def tomcat_image(settings: ImageSettings) -> docker.RemoteImage:
    return image("tomcat-image", settings.name, keep_locally=settings.keep_locally)
