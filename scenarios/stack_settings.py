"""The settings every stack has, and a stack's settings read whole from Pulumi.

Each scenario declares its stack's settings as a subclass of StackConfig (components/schema.py), beside
the code that uses them: the Tomcat stacks' in tomcat_settings.py, modes' in modes_settings.py, overlay's
in overlay_settings.py, redis's in redis_settings.py, swarm's in swarm.py (scenarios/schemas.py lists
them); a program declares only its own. read_stack reads every key the stack sets under docker-networking:
and refuses one the scenario does not have, so a mistyped `redisImag` fails the preview instead of being
ignored.
"""

from dataclasses import dataclass
from typing import Any, Dict, Optional, Type, TypeVar

import pulumi
from pulumi.runtime import config as runtime_config

from components.images.names import validate_image_name
from components.labels import validate_name_prefix
from components.schema import Checked, Flag, MapOf, OneOf, Text, parse_stack, setting

# Each name is a module of this package whose `build(config)` deploys that scenario.
SCENARIOS = ("bridge", "link", "mynet", "redis", "modes", "overlay", "swarm")
NAME_PREFIX_SETTING = "namePrefix"  # put before every engine name of the stack; empty keeps the tutorial's

S = TypeVar("S", bound="StackConfig")

SCENARIO = OneOf(
    tuple(sorted(SCENARIOS)),
    problem="unknown scenario {value!r}",
    fix="set it to one of {choices} (pulumi config set scenario redis)",
)
IMAGE_REFERENCE = Checked(validate_image_name, "image reference")


@dataclass(frozen=True)
class StackConfig:
    """What every stack has."""

    scenario: Optional[str] = setting(SCENARIO, "the scenario this stack deploys", shown_default="(the stack file's)")
    name_prefix: str = setting(
        Checked(validate_name_prefix, "letters, digits, `_.-`, at most 24"),
        "put before every engine name (containers, networks, volumes), which all carry the label "
        "`io.docker-networking.name-prefix=<prefix>`; the tests and `make bench` deploy with a prefix of their own",
        "",
        key=NAME_PREFIX_SETTING,
    )
    keep_images: bool = setting(Flag(), "`false` removes the image on `destroy`", True)


def node_engines() -> Any:
    """The setting `nodeEngines`, {node hostname: engine address}, declared once for the overlay and swarm
    stacks."""
    return setting(
        MapOf(Text("engine address"), "node hostname"),
        "the engine of each Swarm node the stack knows: the subnet is also checked against those nodes' own "
        "networks, which the manager does not list, and they are asked for the image (e.g. "
        "`{dn-swarm2: unix:///run/docker-networking/swarm/node2.sock}`; `make -s swarm-env` lists them)",
        {},
    )


def namespace_values(namespace: str) -> Dict[str, Any]:
    """Every setting the stack has under `namespace`, by key without it. The SDK keeps the map the engine
    sent in pulumi.runtime.config (and a program run by hand may get it as PULUMI_CONFIG, which get_config
    reads too); pulumi.Config only looks keys up one at a time."""
    every = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    prefix = f"{namespace}:"
    return {key[len(prefix) :]: value for key, value in every.items() if key.startswith(prefix)}


def read_stack(group: Type[S], config: pulumi.Config) -> S:
    """The stack's settings as `group` declares them; ConfigError for an unknown key at any level."""
    values = namespace_values(config.name)
    scenario = values.get("scenario")
    return parse_stack(group, values, config.name, scenario if isinstance(scenario, str) else None)
