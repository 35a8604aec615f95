"""`python -m operations COMMAND STACK ...`: a deployed Redis Cluster stack's day-2 operations.

  backup STACK [--out DIR]                  a line per master; the backup's folder on the last line
  restore STACK --from DIR [--overwrite]    a line per snapshot; the keys the cluster holds after
  redis-cli STACK [ARG...]                  redis-cli -c inside the cluster's network (a terminal, or ARGs)

On any problem: what is wrong and the fix, nothing half-done (a backup folder appears only once whole; a
restore refuses before it writes).
"""

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Sequence

from docker.errors import DockerException
from requests.exceptions import RequestException

from harness.project_copy import REPO_ROOT

from .errors import OperationError
from .layout import read_backup

if TYPE_CHECKING:
    import docker

DEFAULT_OUT = REPO_ROOT / ".build" / "backups"
ENGINE_TIMEOUT_SECONDS = 60


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m operations", description=__doc__.splitlines()[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=REPO_ROOT,
        help="the Pulumi project the stack belongs to (default: this one)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    backup = commands.add_parser("backup", help="back up a deployed Redis Cluster stack")
    backup.add_argument("stack")
    backup.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"where the backup's folder goes (default {DEFAULT_OUT})"
    )
    restore = commands.add_parser("restore", help="load a backup into a running cluster of the same number of masters")
    restore.add_argument("stack")
    restore.add_argument("--from", dest="folder", type=Path, required=True, help="the folder `backup` printed")
    restore.add_argument("--overwrite", action="store_true", help="restore into a cluster that holds keys already")
    cli = commands.add_parser("redis-cli", help="redis-cli -c in a node's container, on the cluster's network")
    cli.add_argument("stack")
    cli.add_argument("args", nargs=argparse.REMAINDER, help="a command to run (else an interactive session)")
    return parser.parse_args(argv)


def open_engine() -> "docker.DockerClient":
    from components.engine.docker_api import docker_client
    from components.engine.endpoint import EndpointError, resolve_endpoint

    try:
        client = docker_client(os.environ, timeout=ENGINE_TIMEOUT_SECONDS)
        client.ping()
        return client
    except EndpointError as error:
        raise OperationError(f"invalid setting '{error.setting}': {error.problem}", error.fix) from None
    except (DockerException, RequestException, OSError) as error:
        endpoint = resolve_endpoint(os.environ)
        raise OperationError(
            f"no Docker engine answers at {endpoint.described} ({error})", endpoint.unreachable_fix()
        ) from None


def report(line: str) -> None:
    print(line, flush=True)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    # The engine's client only now: `--help` and bad arguments need none.
    from .backup import save_backup
    from .node_shell import node_shells
    from .redis_cli import exec_redis_cli
    from .restore import restore_backup
    from .stack_outputs import read_stack_nodes

    try:
        if args.command == "restore":
            read_backup(args.folder)  # a folder that is not a backup is refused before the stack is asked
        nodes = read_stack_nodes(args.stack, args.project_dir, os.environ)
        client = open_engine()
        shells = node_shells(client, nodes.names, nodes.password)
        if args.command == "backup":
            folder = save_backup(shells, args.stack, args.out, report)
            print(folder.resolve())
        elif args.command == "restore":
            keys = restore_backup(client, shells, args.stack, args.folder, args.overwrite, report)
            print(f"stack '{args.stack}' holds {keys} keys after the restore")
        else:
            exec_redis_cli(shells, args.args, nodes.password)  # returns only if it fails
    except OperationError as error:
        print(f"{args.command}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
