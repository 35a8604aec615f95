"""What the upgrade tests share: a past commit's program deployed from this clone's history, the operations
an update does per resource, and a marker file on a node's data volume that must survive."""

import io
import subprocess
import tarfile
from pathlib import Path
from typing import AbstractSet, Any, Callable, Dict, Set, Tuple

from pulumi import automation as auto

from harness.project_copy import REPO_ROOT
from tests.integration import engine

# Operations that create, delete or replace a resource.
CHANGES = {"create", "delete", "replace", "create-replacement", "delete-replaced"}
REPLACEMENT = {"replace", "create-replacement", "delete-replaced"}


def checkout(commit: str, into: Path) -> Path:
    """The project's files at `commit`, from this clone's history."""
    done = subprocess.run(["git", "-C", str(REPO_ROOT), "archive", commit], capture_output=True)
    assert done.returncode == 0, (
        f"commit {commit} is not in this clone's history ({done.stderr.decode().strip()}); "
        "the upgrade test needs it: fetch the full history (git fetch --unshallow)"
    )
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as archive:
        archive.extractall(into)
    return into


def containers(prefix: str, stack: str) -> Dict[str, str]:
    with engine.client() as client:
        listed = client.containers.list(all=True, filters=engine.run_filters(prefix, stack))
        return {engine.named(c.name): engine.named(c.id) for c in listed}


def operations(command: Callable[..., Any]) -> Tuple[Any, Dict[Tuple[str, str], Set[str]]]:
    """Run a stack's preview or up; with its result, each resource's operations by (type, name), from the
    engine's events."""
    operations: Dict[Tuple[str, str], Set[str]] = {}

    def record(event: auto.EngineEvent) -> None:
        if event.resource_pre_event is not None:
            step = event.resource_pre_event.metadata
            resource = (step.type, step.urn.rsplit("::", 1)[-1])
            operations.setdefault(resource, set()).add(getattr(step.op, "value", str(step.op)))

    return command(on_event=record, on_output=print), operations


MARKER = "/data/upgrade-marker"  # a file on a node's data volume: still there after its replacement


def mark_volumes(containers: AbstractSet[str]) -> None:
    for container in containers:
        code, said = engine.exec_in(container, "sh", "-c", f"echo {container} > {MARKER}")
        assert code == 0, f"could not write {MARKER} in {container}: {said}"


def unmarked_volumes(containers: AbstractSet[str]) -> Dict[str, str]:
    """The containers whose data volume lost the marker, with what they said."""
    found = {container: engine.exec_in(container, "cat", MARKER) for container in containers}
    return {c: said for c, (code, said) in found.items() if code != 0 or said.strip() != c}
