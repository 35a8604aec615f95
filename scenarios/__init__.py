"""The scenario registry: one module per tutorial scenario, chosen by the `scenario` setting."""
import os
from typing import Callable, Dict

import pulumi

from components.engine_target import require_one_engine
from components.errors import ConfigError

ScenarioBuilder = Callable[[pulumi.Config, str], None]


def _registry() -> Dict[str, ScenarioBuilder]:
    # Imported lazily so a bad scenario name fails before any component module is loaded.
    from . import bridge, link, mynet, redis

    return {"bridge": bridge.build, "link": link.build, "mynet": mynet.build, "redis": redis.build}


def build_scenario(config: pulumi.Config, stack: str) -> None:
    require_one_engine(pulumi.Config("docker").get("host"), os.environ.get("DOCKER_HOST"))
    name = config.get("scenario")
    registry = _registry()
    if name not in registry:
        raise ConfigError("docker-networking:scenario", f"unknown scenario {name!r}",
                          f"set it to one of {', '.join(sorted(registry))} "
                          "(pulumi config set scenario redis)")
    registry[name](config, stack)
