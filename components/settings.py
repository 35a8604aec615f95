"""Typed values out of a stack's settings, with errors that name the setting and the fix.

Pulumi stores what `pulumi config set` typed: a boolean may arrive as `true` or as the string "true", a
number as 3 or "3" (`--path` stores strings), a structured value as a dict or as JSON text. These
parsers accept both forms and reject the rest; they know nothing of Pulumi, so they are tested directly.
"""

import difflib
import json
from typing import Any, Iterable, Mapping

from components.errors import ConfigError

# Every setting of the project's stacks lives under this namespace: docker-networking:<key>.
CONFIG_NAMESPACE = "docker-networking"


def setting_name(key: str) -> str:
    """The full config key a person types, e.g. docker-networking:mynet.network.subnet."""
    return f"{CONFIG_NAMESPACE}:{key}"


def parse_bool(setting: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ConfigError(setting, f"{value!r} is not true or false", "set it to true or false")


def parse_int(setting: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ConfigError(setting, f"{value!r} is not an integer", "write a whole number, e.g. 3")
    if isinstance(value, str):
        text = value.strip()
        if not (text.lstrip("-").isdigit() and text.count("-") <= 1 and not text.endswith("-")):
            raise ConfigError(setting, f"{value!r} is not an integer", "write a whole number, e.g. 3")
        return int(text)
    return value


def parse_str(setting: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(setting, f"{value!r} is not a string", "write a quoted string")
    return value


def require_mapping(setting: str, value: Any) -> Mapping[str, Any]:
    """A structured value (an object in the stack's YAML, or JSON text); None counts as empty."""
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if not isinstance(value, Mapping):
        raise ConfigError(
            setting,
            "expected an object of keys and values",
            f"write it as a YAML mapping in the stack file, or pulumi config set --path '{setting}.KEY' VALUE",
        )
    return value


def reject_unknown_keys(setting: str, given: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """A misspelt key would otherwise be ignored without a word."""
    allowed = sorted(allowed)
    for key in given:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ConfigError(
                f"{setting}.{key}", f"'{key}' is not a setting here", f"use one of: {', '.join(allowed)}{hint}"
            )
