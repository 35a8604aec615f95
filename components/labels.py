"""Labels put on everything the project creates on the engine.

The test run and `make clean` find leftovers by PROJECT_LABEL; STACK_LABEL tells stacks apart.
"""
from typing import Dict, Mapping, Optional

PROJECT_LABEL = "io.docker-networking.project"
PROJECT_VALUE = "docker-networking"
STACK_LABEL = "io.docker-networking.stack"
COMPONENT_LABEL = "io.docker-networking.component"


def project_labels(
    stack: Optional[str] = None,
    component: Optional[str] = None,
    extra: Optional[Mapping[str, str]] = None,
) -> Dict[str, str]:
    """The label set for one engine object; `extra` labels never override the project's own."""
    labels: Dict[str, str] = dict(extra or {})
    labels[PROJECT_LABEL] = PROJECT_VALUE
    if stack:
        labels[STACK_LABEL] = stack
    if component:
        labels[COMPONENT_LABEL] = component
    return labels
