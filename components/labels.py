"""Labels put on everything the project creates on the engine.

PROJECT_LABEL marks the project's objects, STACK_LABEL tells stacks apart, and NAME_PREFIX_LABEL carries
the stack's `namePrefix` when it has one: test and benchmark runs deploy with a prefix of their own and
clean up by it, so they never touch what a person deployed.
"""

import re
from typing import Dict, Mapping, Optional

from components.errors import ConfigError

PROJECT_LABEL = "io.docker-networking.project"
PROJECT_VALUE = "docker-networking"
STACK_LABEL = "io.docker-networking.stack"
COMPONENT_LABEL = "io.docker-networking.component"
NAME_PREFIX_LABEL = "io.docker-networking.name-prefix"

# Docker's own rule for container names; a prefix is the start of one. Short enough to leave room for
# the tutorial's names within the 63 characters a DNS label (the engine's name service) allows.
_NAME_PREFIX = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*")
MAX_NAME_PREFIX = 24


def validate_name_prefix(setting: str, prefix: str) -> str:
    """A prefix every engine name of the stack starts with; empty keeps the tutorial's names."""
    if not isinstance(prefix, str):
        raise ConfigError(setting, f"{prefix!r} is not a string", "write a prefix such as dev- or leave it unset")
    if prefix and not _NAME_PREFIX.fullmatch(prefix):
        raise ConfigError(
            setting,
            f"{prefix!r} cannot start a container name",
            "use letters, digits, '_', '.' or '-', starting with a letter or digit, e.g. dev-",
        )
    if len(prefix) > MAX_NAME_PREFIX:
        raise ConfigError(
            setting, f"{prefix!r} is {len(prefix)} characters long", f"use at most {MAX_NAME_PREFIX} characters"
        )
    return prefix


def name_prefix_labels(prefix: str) -> Dict[str, str]:
    """The label that marks a prefixed deployment's objects (none without a prefix)."""
    return {NAME_PREFIX_LABEL: prefix} if prefix else {}


def project_labels(
    stack: Optional[str] = None,
    component: Optional[str] = None,
    extra: Optional[Mapping[str, str]] = None,
) -> Dict[str, str]:
    """The label set for one engine object; `extra` labels never override the project's own.

    Pure: a component passes its stack, pulumi.get_stack().
    """
    labels: Dict[str, str] = dict(extra or {})
    labels[PROJECT_LABEL] = PROJECT_VALUE
    if stack:
        labels[STACK_LABEL] = stack
    if component:
        labels[COMPONENT_LABEL] = component
    return labels
