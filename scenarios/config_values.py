"""Reading typed values out of the stack's config, with errors that name the setting and the fix.

Pulumi stores what `pulumi config set` typed: a boolean may arrive as `true` or as the string
"true", a structured value as a dict or as JSON text. These helpers accept both and reject the rest.
"""
import json
from typing import Any, Dict, Iterable, Mapping

import pulumi

from components.errors import ConfigError

NAMESPACE = "docker-networking"


def setting_name(key: str) -> str:
    """The full config key a person types, e.g. docker-networking:mynet.network.subnet."""
    return f"{NAMESPACE}:{key}"


def parse_bool(setting: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ConfigError(setting, f"{value!r} is not true or false", "set it to true or false")


def require_mapping(setting: str, value: Any) -> Mapping[str, Any]:
    """A structured value (an object in the stack's YAML); None counts as empty."""
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if not isinstance(value, Mapping):
        raise ConfigError(setting, "expected an object of keys and values",
                          f"write it as a YAML mapping in the stack file, or pulumi config set --path '{setting}.KEY' VALUE")
    return value


def reject_unknown_keys(setting: str, given: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """A misspelt key would otherwise be ignored without a word."""
    allowed = sorted(allowed)
    for key in given:
        if key not in allowed:
            raise ConfigError(f"{setting}.{key}", f"'{key}' is not a setting here",
                              f"use one of: {', '.join(allowed)}")


def structured(config: pulumi.Config, key: str) -> Dict[str, Any]:
    """The object under `docker-networking:<key>`, or {} when it is not set."""
    return dict(require_mapping(setting_name(key), config.get(key)))


def optional_bool(config: pulumi.Config, key: str, default: bool) -> bool:
    """`docker-networking:<key>` as a boolean, `default` when it is not set."""
    raw = config.get(key)
    return default if raw is None else parse_bool(setting_name(key), raw)
