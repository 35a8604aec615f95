"""Images used by the scenarios: looked up locally or pulled, and kept on destroy unless asked."""
from typing import Optional

import pulumi
import pulumi_docker as docker

from .errors import ConfigError

# The public images stay the defaults; scripts/select_images.sh and the tests switch a stack to the
# images built locally from Debian packages (scripts/images.sh) where no registry answers.
DEFAULT_TOMCAT_IMAGE = "tomcat:10.1"
DEFAULT_REDIS_IMAGE = "redis:7.4"  # a supported release; the tutorial's 5.0.9-alpine is long out of support
DEFAULT_IMAGES = {"tomcatImage": DEFAULT_TOMCAT_IMAGE, "redisImage": DEFAULT_REDIS_IMAGE}

_ALLOWED = set("abcdefghijklmnopqrstuvwxyz0123456789._-/:@")


def validate_image_name(setting: str, name: object) -> str:
    """A Docker image reference such as `redis:7.4` or `docker-networking/redis:local`."""
    if not isinstance(name, str) or not name or name != name.strip() or not set(name) <= _ALLOWED \
            or name.startswith(("-", ".", "/", ":")) or name.endswith((":", "/", "@")):
        raise ConfigError(setting, f"{name!r} is not a valid image reference",
                          "use a lowercase name with an optional tag, e.g. redis:7.4")
    return name


def image(resource_name: str, name: str, keep_locally: bool = True,
          opts: Optional[pulumi.ResourceOptions] = None) -> docker.RemoteImage:
    """The image as a resource, so containers depend on it and `destroy` keeps it unless asked."""
    return docker.RemoteImage(resource_name, name=name, keep_locally=keep_locally, opts=opts)
