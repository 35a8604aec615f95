"""The stack's settings by key: `docker-networking:<key>` read through the typed parsers."""

from typing import Any, Dict

import pulumi

from components.labels import validate_name_prefix
from components.settings import parse_bool, reject_unknown_keys, require_mapping, setting_name

__all__ = [
    "NAME_PREFIX_SETTING",
    "setting_name",
    "structured",
    "optional_bool",
    "name_prefix",
    "parse_bool",
    "reject_unknown_keys",
    "require_mapping",
]

# Put before every engine name of the stack (containers, networks, volumes); empty keeps the tutorial's.
NAME_PREFIX_SETTING = "namePrefix"


def structured(config: pulumi.Config, key: str) -> Dict[str, Any]:
    """The object under `docker-networking:<key>`, or {} when it is not set."""
    return dict(require_mapping(setting_name(key), config.get(key)))


def optional_bool(config: pulumi.Config, key: str, default: bool) -> bool:
    """`docker-networking:<key>` as a boolean, `default` when it is not set."""
    raw = config.get(key)
    return default if raw is None else parse_bool(setting_name(key), raw)


def name_prefix(config: pulumi.Config) -> str:
    """`docker-networking:namePrefix`, checked; "" when it is not set."""
    return validate_name_prefix(setting_name(NAME_PREFIX_SETTING), config.get(NAME_PREFIX_SETTING) or "")
