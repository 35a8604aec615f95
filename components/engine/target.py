"""One engine for the whole program.

pulumi-docker takes the engine's address from the stack setting `docker:host`, else from DOCKER_HOST.
The project's own providers and checks (DockerNetwork, NetworkConnection, the Redis formation, the
subnet check) read DOCKER_HOST only (see client.py). A `docker:host` that DOCKER_HOST does not match
would create the network on one engine and the containers on another.
"""

from typing import Mapping, Optional

from components.engine.client import HOST_VARIABLE, EngineAddress, engine_address
from components.errors import ConfigError

SETTING = "docker:host"


def require_one_engine(docker_host_setting: Optional[str], environ: Mapping[str, str]) -> EngineAddress:
    """The engine's address. Raises before anything is registered when DOCKER_HOST is not an address the
    project's providers can use, or `docker:host` names an engine DOCKER_HOST does not."""
    address = engine_address(environ)
    docker_host_env = environ.get(HOST_VARIABLE)
    if not docker_host_setting or docker_host_setting == (docker_host_env or ""):
        return address
    try:
        engine_address({HOST_VARIABLE: docker_host_setting})
        fix = (
            f"remove it (pulumi config rm {SETTING}) and export DOCKER_HOST={docker_host_setting} before "
            "running pulumi, so every part of the stack talks to the same engine"
        )
    except ConfigError as unusable:  # exporting it would not do: say what would
        fix = f"remove it (pulumi config rm {SETTING}); then {unusable.fix}"
    raise ConfigError(
        SETTING,
        f"it is {docker_host_setting!r} but DOCKER_HOST is "
        f"{repr(docker_host_env) if docker_host_env else 'not set'}, and the project's "
        "own providers reach the engine through DOCKER_HOST",
        fix,
    )
