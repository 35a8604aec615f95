"""A deployed stack's Redis nodes and password, read from its outputs with the Pulumi CLI as a person's
shell would (`make` runs the tool with the environment `make -s env` prints)."""

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional, Tuple

from .errors import OperationError

CLI_TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class StackNodes:
    stack: str
    names: Tuple[str, ...]  # the nodes' container names
    password: Optional[str] = field(repr=False)  # None with auth off


def stack_nodes_from_outputs(stack: str, outputs: Mapping[str, Any]) -> StackNodes:
    """`outputs` as `pulumi stack output --json --show-secrets` prints them."""
    nodes = outputs.get("nodes")
    if not isinstance(nodes, list) or not nodes:
        shown = ", ".join(sorted(outputs)) or "none"
        raise OperationError(
            f"stack '{stack}' has no Redis nodes in its outputs (outputs: {shown})",
            "name a deployed Redis Cluster stack (STACK=redis), after `make up STACK=redis`",
        )
    password = outputs.get("password")
    return StackNodes(stack=stack, names=tuple(str(n["name"]) for n in nodes), password=password or None)


def read_stack_nodes(stack: str, project_dir: Path, environ: Mapping[str, str]) -> StackNodes:
    shown = subprocess.run(
        ["pulumi", "stack", "output", "--json", "--show-secrets", "--non-interactive", "--stack", stack],
        cwd=project_dir,
        env=dict(environ),
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_SECONDS,
    )
    if shown.returncode != 0:
        said = shown.stderr.strip().splitlines()[-1:] or ["no message"]
        raise OperationError(
            f"the outputs of stack '{stack}' could not be read ({said[0]})",
            f"deploy it first (make up STACK={stack}), or run the tool through make, which sets up the CLI",
        )
    return stack_nodes_from_outputs(stack, json.loads(shown.stdout or "{}"))
