"""A stack's settings as the program reads them, from values by key as Pulumi stores them, without Pulumi."""

from typing import Any, Mapping, Optional, Type, TypeVar

from components.schema import parse_stack
from components.settings import CONFIG_NAMESPACE

S = TypeVar("S")


def stack_config(group: Type[S], values: Optional[Mapping[str, Any]] = None) -> S:
    """`values` (e.g. {"mynet": {...}, "namePrefix": "it-abc123-"}) as `group` declares a stack's settings."""
    values = dict(values or {})
    return parse_stack(group, values, CONFIG_NAMESPACE, values.get("scenario"))
