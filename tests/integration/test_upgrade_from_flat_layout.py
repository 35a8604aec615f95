"""Stacks deployed before components/ was organised by concern keep working with the new layout.

Pulumi keeps each dynamic resource's provider pickled in the state by its module path
(components.providers.redis_formation, ...). A `redis` and a `mynet` stack are deployed here by the last
commit of the flat layout, then updated and destroyed by the program of this checkout, in the same state:
the update replaces no container and the destroy removes everything.

One resource of the old program is gone from the new one: the empty `BridgeNetwork docker0` component
that docker0's lookup was made under (look_up_default_bridge registers nothing). The update deletes it
from the state; it never had an engine object, so nothing on the engine is touched.
"""

import io
import subprocess
import tarfile
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Set, Tuple

import pytest
from pulumi import automation as auto

from harness.project_copy import PROGRAM_FILES, REPO_ROOT, copy_program, make_project_copy
from tests.integration import engine
from tests.integration.conftest import ProjectWorkspace

pytestmark = pytest.mark.integration

# The last commit whose components/ was flat (providers in components/providers/).
FLAT_LAYOUT_COMMIT = "a4d45ee61bdbcdb60b3851501844153132151b61"
STACKS = ("redis", "mynet")
# Operations that create, delete or replace a resource; the update may do none of them, but for one:
CHANGES = {"create", "delete", "replace", "create-replacement", "delete-replaced"}
DROPPED = ("docker-networking:index:BridgeNetwork", "docker0")  # (type, name): its delete is expected


def _checkout(commit: str, into: Path) -> Path:
    """The project's files at `commit`, from this clone's history."""
    done = subprocess.run(["git", "-C", str(REPO_ROOT), "archive", commit], capture_output=True)
    assert done.returncode == 0, (
        f"commit {commit} is not in this clone's history ({done.stderr.decode().strip()}); "
        "the upgrade test needs it: fetch the full history (git fetch --unshallow)"
    )
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as archive:
        archive.extractall(into)
    return into


def _containers(prefix: str, stack: str) -> Dict[str, str]:
    with engine.client() as client:
        listed = client.containers.list(all=True, filters=engine.run_filters(prefix, stack))
        return {engine.named(c.name): engine.named(c.id) for c in listed}


@pytest.fixture(scope="module")
def deployed_by_flat_layout(
    tmp_path_factory, project: ProjectWorkspace, run
) -> Iterator[Tuple[ProjectWorkspace, Dict[str, Dict[str, str]]]]:
    # The session's own stacks of these scenarios carry the same engine names: none may be up meanwhile.
    project.destroy_all()
    workdir = tmp_path_factory.mktemp("upgrade")
    old = _checkout(FLAT_LAYOUT_COMMIT, workdir / "flat-layout")
    root, env = make_project_copy(workdir, passphrase="upgrade-tests", source=old)
    workspace = ProjectWorkspace(root, env, run)
    before = {}
    try:
        for name in STACKS:
            workspace.stack(name).up(on_output=print)
            before[name] = _containers(run.prefix, name)
        copy_program(REPO_ROOT, root, PROGRAM_FILES)  # the same stacks, settings and state; the new program
        yield workspace, before
    finally:
        workspace.destroy_all()


def _operations(command: Callable[..., Any]) -> Tuple[Any, Dict[Tuple[str, str], Set[str]]]:
    """Run a stack's preview or up; with its result, each resource's operations by (type, name), from the
    engine's events."""
    operations: Dict[Tuple[str, str], Set[str]] = {}

    def record(event: auto.EngineEvent) -> None:
        if event.resource_pre_event is not None:
            step = event.resource_pre_event.metadata
            resource = (step.type, step.urn.rsplit("::", 1)[-1])
            operations.setdefault(resource, set()).add(getattr(step.op, "value", str(step.op)))

    return command(on_event=record, on_output=print), operations


def _unexpected(operations: Dict[Tuple[str, str], Set[str]]) -> Dict[Tuple[str, str], Set[str]]:
    """The resources created, deleted or replaced, but for the dropped component's delete."""
    changed = {resource: ops & CHANGES for resource, ops in operations.items() if ops & CHANGES}
    if changed.get(DROPPED) == {"delete"}:
        del changed[DROPPED]
    return changed


@pytest.mark.parametrize("name", STACKS)
def test_an_update_by_the_new_layout_replaces_no_container(deployed_by_flat_layout, run, name: str) -> None:
    workspace, before = deployed_by_flat_layout
    stack = workspace.stacks[name]
    _, planned = _operations(stack.preview)
    assert _unexpected(planned) == {}, f"the preview plans more than the old docker0 component's delete: {planned}"
    result, done = _operations(stack.up)
    assert result.summary.result == "succeeded"
    assert _unexpected(done) == {}, f"the update did more than delete the old docker0 component: {done}"
    assert _containers(run.prefix, name) == before[name]


@pytest.mark.parametrize("name", STACKS)
def test_a_destroy_by_the_new_layout_removes_everything(deployed_by_flat_layout, run, name: str) -> None:
    workspace, _ = deployed_by_flat_layout
    workspace.stacks[name].destroy(on_output=print)
    for kind in engine.KINDS:
        assert engine.labelled(kind, name, run.prefix) == [], f"{kind} of stack {name} left after destroy"
