"""`make redis-cli`: redis-cli in cluster mode inside the cluster's network, wherever the engine is.

The client runs in a node's container (`docker exec`), where every address the nodes announce is reachable,
so `-c` follows each MOVED redirect; from this machine that holds only where it routes to the containers'
IPs (Docker Engine on Linux, local), not with Docker Desktop, rootless Docker or a remote engine. The
password goes to the docker CLI as REDISCLI_AUTH in its environment (`docker exec -e NAME` passes it on),
never in a command line.
"""

import os
import sys
from typing import List, Sequence

from components.redis.model.cluster_args import CLIENT_PORT

from .errors import OperationError
from .node_shell import NodeShell

AUTH_VARIABLE = "REDISCLI_AUTH"


def redis_cli_command(node: str, args: Sequence[str], interactive: bool, auth: bool) -> List[str]:
    tty = ["-it"] if interactive else ["-i"]
    passed = ["-e", AUTH_VARIABLE] if auth else []
    return ["docker", "exec", *tty, *passed, node, "redis-cli", "-c", "-p", str(CLIENT_PORT), *args]


def first_running(shells: Sequence[NodeShell]) -> NodeShell:
    for shell in shells:
        shell.container.reload()
        if shell.container.status == "running":
            return shell
    raise OperationError(
        f"none of the cluster's nodes is running ({', '.join(s.name for s in shells)})",
        "bring the cluster back: make up STACK=<stack> ARGS=--refresh",
    )


def exec_redis_cli(shells: Sequence[NodeShell], args: Sequence[str], password: "str | None") -> None:
    """Replaces this process with the docker CLI's `exec` (a terminal when this one has one)."""
    node = first_running(shells)
    environment = dict(os.environ)
    environment.pop(AUTH_VARIABLE, None)
    if password:
        environment[AUTH_VARIABLE] = password
    command = redis_cli_command(node.name, args, interactive=sys.stdin.isatty(), auth=bool(password))
    sys.stdout.flush()
    try:
        os.execvpe(command[0], command, environment)
    except OSError as error:
        raise OperationError(
            f"the docker CLI could not be started ({error})", "install Docker's CLI (`docker` on PATH)"
        ) from None
