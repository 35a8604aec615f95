"""Image references: the defaults and the check of a name the user typed.

Kept apart from images.py, which declares the image resources with pulumi_docker: the settings modules
import these names, and the Redis providers import the settings in the dynamic-provider host, where
loading pulumi_docker would only add to the time every `pulumi up` waits for that host's first answer.
"""

from components.errors import ConfigError

# The public images stay the defaults; scripts/select_images.sh and the tests switch a stack to the
# images built locally from Debian packages (scripts/images.sh) where no registry answers.
DEFAULT_TOMCAT_IMAGE = "tomcat:10.1"
DEFAULT_REDIS_IMAGE = "redis:7.4"  # a supported release; the tutorial's 5.0.9-alpine is long out of support
DEFAULT_IMAGES = {"tomcatImage": DEFAULT_TOMCAT_IMAGE, "redisImage": DEFAULT_REDIS_IMAGE}
# Built from Debian packages by scripts/images.sh (the names of scripts/lib.sh), and loaded into every node
# of the local Swarm by `make swarm-up`.
LOCAL_TOMCAT_IMAGE = "docker-networking/tomcat:local"
LOCAL_REDIS_IMAGE = "docker-networking/redis:local"
LOCAL_IMAGES = {"tomcatImage": LOCAL_TOMCAT_IMAGE, "redisImage": LOCAL_REDIS_IMAGE}

_ALLOWED = set("abcdefghijklmnopqrstuvwxyz0123456789._-/:@")


def validate_image_name(setting: str, name: object) -> str:
    """A Docker image reference such as `redis:7.4` or `docker-networking/redis:local`."""
    if (
        not isinstance(name, str)
        or not name
        or name != name.strip()
        or not set(name) <= _ALLOWED
        or name.startswith(("-", ".", "/", ":"))
        or name.endswith((":", "/", "@"))
    ):
        raise ConfigError(
            setting,
            f"{name!r} is not a valid image reference",
            "use a lowercase name with an optional tag, e.g. redis:7.4",
        )
    return name
