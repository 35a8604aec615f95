#!/usr/bin/env python3
"""Recover a stack after `pulumi up` was killed mid-way (kill -9, a lost machine), on the local backend.

Pulumi's documented recovery, plus the one step pulumi-docker cannot do for itself:
1. `pulumi cancel`: a killed CLI leaves the file backend's lock behind ("the stack is currently locked").
2. `pulumi stack export`: the operations that were in flight (`pending_operations`). A pending *create*
   may have reached the engine (the container exists) without its id being recorded.
3. `pulumi refresh --clear-pending-creates`: drops them from the state. (`--import-pending-creates`
   would need the half-made container adopted as it is; a fresh one is cleaner.)
4. Each engine object of a cleared pending create - found by its exact name AND this stack's label, so
   nothing else is touched - is removed: it is in no state, so the next `up` would fail on its name
   ("Conflict. The container name ... is already in use") and, left alone, it would be an orphan.
Then `pulumi up` converges. A SIGINT'ed `up` needs none of this: Pulumi finishes what was in flight.

Usage: scripts/recover_interrupted.py STACK   (run in the project directory, with `make env` loaded)
"""

import argparse
import json
import subprocess
import sys
from typing import Any, Dict, List, Tuple

STACK_LABEL = "io.docker-networking.stack"
# Pulumi type -> the docker CLI object kind it creates.
ENGINE_KINDS = {
    "docker:index/container:Container": "container",
    "docker:index/volume:Volume": "volume",
    "docker:index/network:Network": "network",
    "pulumi-python:dynamic/docker-networking:Network": "network",
}


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    print("+", " ".join(args), flush=True)
    return subprocess.run(args, check=check, capture_output=True, text=True)


def pending_creates(deployment: Dict[str, Any]) -> List[Tuple[str, str, str]]:
    """(kind, engine name, urn) of every pending create that makes an engine object."""
    found = []
    for operation in deployment.get("pending_operations") or []:
        resource = operation.get("resource", {})
        kind = ENGINE_KINDS.get(resource.get("type", ""))
        name = (resource.get("inputs") or {}).get("name")
        if operation.get("type") == "creating" and kind and name:
            found.append((kind, name, resource["urn"]))
    return found


# How to list each kind as "<id> <name>" lines (a volume's id is its name).
LISTINGS = {
    "container": ("docker", "container", "ls", "--all", "--format", "{{.ID}} {{.Names}}"),
    "network": ("docker", "network", "ls", "--format", "{{.ID}} {{.Name}}"),
    "volume": ("docker", "volume", "ls", "--format", "{{.Name}} {{.Name}}"),
}


def engine_ids(kind: str, name: str, stack: str) -> List[str]:
    """Ids of `kind` objects named exactly `name` that carry this stack's label."""
    listing = run(*LISTINGS[kind], "--filter", f"label={STACK_LABEL}={stack}")
    return [
        object_id
        for object_id, _, listed in (line.partition(" ") for line in listing.stdout.splitlines())
        if listed == name
    ]


def main(stack: str) -> int:
    locked = run("pulumi", "cancel", "--yes", "--stack", stack, check=False)
    print(locked.stdout.strip() or locked.stderr.strip())
    deployment = json.loads(run("pulumi", "stack", "export", "--stack", stack).stdout)["deployment"]
    pending = pending_creates(deployment)
    print(
        f"{len(deployment.get('pending_operations') or [])} pending operations; "
        f"{len(pending)} may have left an engine object"
    )
    run("pulumi", "refresh", "--yes", "--skip-preview", "--clear-pending-creates", "--stack", stack)
    for kind, name, urn in pending:
        for object_id in engine_ids(kind, name, stack):
            run("docker", kind, "rm", *(["-f", "-v"] if kind == "container" else []), object_id)
            print(f"removed {kind} {name} ({urn.rsplit('::', 1)[-1]}): created, never recorded")
    print(f"recovered; now run `pulumi up --stack {stack}`")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n", 1)[0], epilog='Run it in the project directory, after eval "$(make -s env)".'
    )
    parser.add_argument("stack", help="the stack whose `pulumi up` was killed, e.g. redis")
    sys.exit(main(parser.parse_args().stack))
