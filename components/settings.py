"""Where the project's settings live: every one under the namespace docker-networking:<key>.

What each stack's settings are, and how they are read and checked, is declared with components/schema.py.
"""

CONFIG_NAMESPACE = "docker-networking"


def setting_name(key: str) -> str:
    """The full config key a person types, e.g. docker-networking:mynet.network.subnet."""
    return f"{CONFIG_NAMESPACE}:{key}"
