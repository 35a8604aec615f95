"""The scenario registry: one module per tutorial scenario, chosen by the `scenario` setting."""

import importlib
import os
from typing import Callable

import pulumi

from components.engine.target import ProviderSettings, require_one_engine, require_supported_engine
from components.errors import ConfigError

ScenarioBuilder = Callable[[pulumi.Config], None]

# Each name is a module of this package whose `build(config)` deploys that scenario (the stack it deploys
# into is pulumi.get_stack()).
SCENARIOS = ("bridge", "link", "mynet", "redis", "modes", "overlay", "swarm")


def _builder(name: str) -> ScenarioBuilder:
    # Only the chosen scenario's module is imported: every `pulumi up` waits for the program's imports,
    # and a bad scenario name fails before any component module is loaded.
    return importlib.import_module(f"{__name__}.{name}").build


def build_scenario(config: pulumi.Config) -> None:
    name = config.get("scenario")
    if name not in SCENARIOS:
        raise ConfigError(
            "docker-networking:scenario",
            f"unknown scenario {name!r}",
            f"set it to one of {', '.join(sorted(SCENARIOS))} (pulumi config set scenario redis)",
        )
    # Before any component: the engine pulumi-docker's provider and the project's own providers share,
    # and an engine the project supports (the program's first question to it).
    docker = pulumi.Config("docker")
    endpoint = require_one_engine(ProviderSettings(host=docker.get("host"), context=docker.get("context")), os.environ)
    require_supported_engine(endpoint)
    _builder(name)(config)
