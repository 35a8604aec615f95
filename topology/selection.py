"""Which engine objects belong to a stack's deployment.

Everything the project creates carries the project and stack labels (components/labels.py). A person's own
deployment has no name-prefix label; a test or benchmark run's carries its prefix. The default bridge
(docker0) carries no label at all: it belongs to a picture when one of the stack's containers is on it.
"""

from typing import Dict, List, Mapping, Optional

from components.labels import NAME_PREFIX_LABEL, PROJECT_LABEL, PROJECT_VALUE, STACK_LABEL


def label_filters(stack: str) -> Dict[str, List[str]]:
    """The engine-side filter (docker's `--filter label=...`); the prefix is checked by `belongs`, since an
    engine filter cannot ask for a label to be absent."""
    return {"label": [f"{PROJECT_LABEL}={PROJECT_VALUE}", f"{STACK_LABEL}={stack}"]}


def belongs(labels: Optional[Mapping[str, str]], stack: str, name_prefix: str) -> bool:
    """The object is the project's, of `stack`, deployed with exactly `name_prefix` ('' for none)."""
    labels = labels or {}
    return (
        labels.get(PROJECT_LABEL) == PROJECT_VALUE
        and labels.get(STACK_LABEL) == stack
        and labels.get(NAME_PREFIX_LABEL, "") == name_prefix
    )


def deployment_name(labels: Optional[Mapping[str, str]]) -> Optional[str]:
    """'stack' or 'stack (--name-prefix P)' for a project object, for telling a person what is deployed."""
    labels = labels or {}
    if labels.get(PROJECT_LABEL) != PROJECT_VALUE or not labels.get(STACK_LABEL):
        return None
    prefix = labels.get(NAME_PREFIX_LABEL, "")
    return f"{labels[STACK_LABEL]} (--name-prefix {prefix})" if prefix else labels[STACK_LABEL]
