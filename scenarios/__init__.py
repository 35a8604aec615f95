"""The scenario registry: one module per tutorial scenario, chosen by the `scenario` setting."""

import importlib
import os
from typing import Callable

import pulumi

from components.engine.target import ProviderSettings, require_one_engine, require_supported_engine
from components.settings import setting_name

from .stack_settings import SCENARIO, SCENARIOS

__all__ = ["SCENARIOS", "build_scenario"]

# A scenario's module's `build(config)` deploys it (the stack it deploys into is pulumi.get_stack()), its
# settings read whole as its stack's schema declares them (stack_settings.py).
ScenarioBuilder = Callable[[pulumi.Config], None]


def _builder(name: str) -> ScenarioBuilder:
    # Only the chosen scenario's module is imported: every `pulumi up` waits for the program's imports,
    # and a bad scenario name fails before any component module is loaded.
    return importlib.import_module(f"{__name__}.{name}").build


def build_scenario(config: pulumi.Config) -> None:
    name = SCENARIO.check(setting_name("scenario"), config.get("scenario"))
    # Before any component: the engine pulumi-docker's provider and the project's own providers share,
    # and an engine the project supports (the program's first question to it).
    docker = pulumi.Config("docker")
    endpoint = require_one_engine(ProviderSettings(host=docker.get("host"), context=docker.get("context")), os.environ)
    require_supported_engine(endpoint)
    _builder(name)(config)
