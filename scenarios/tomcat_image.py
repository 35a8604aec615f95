"""The Tomcat image every Tomcat scenario runs: `docker-networking:tomcatImage`, kept on destroy
unless `docker-networking:keepImages` is false."""

import pulumi_docker as docker

from components.images.remote import image

from .tomcat_settings import ImageSettings


def tomcat_image(settings: ImageSettings) -> docker.RemoteImage:
    return image("tomcat-image", settings.name, keep_locally=settings.keep_locally)
