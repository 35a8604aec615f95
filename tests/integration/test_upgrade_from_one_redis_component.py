"""Stacks deployed when RedisCluster served both topologies, before components/redis/ was split into model/
and resources/, keep working with the new shape.

Their state holds the dynamic providers pickled under the old module paths (components.redis.formation.
provider, ...; components/redis/formation/ keeps them importable). A `redis` stack deployed by the last
commit before the split is refreshed (its resources read back with the providers of its state), previewed
and updated by this checkout's program: nothing is deleted or replaced, every container and data volume
stays, and the one thing created is the teardown a later change added (resources/teardown.py: the whole
cluster removed at once on destroy); then destroyed. Another one is destroyed by this checkout straight
away, deleting with the old paths.
"""

from pathlib import Path
from typing import Iterator

import pytest
from pulumi import automation as auto

from harness.project_copy import PROGRAM_FILES, REPO_ROOT, copy_program, make_project_copy
from tests.integration import engine, upgrade
from tests.integration.conftest import ProjectWorkspace

pytestmark = pytest.mark.integration

# The last commit before the split: the main branch every stack deployed until then was deployed by.
BEFORE_THE_SPLIT = "07d15ea45f3a5b48d978aa5a8eea371a2d769dd9"
UPDATED, DESTROYED = "redis-upgraded", "redis-destroyed"
TEARDOWN = ("pulumi-python:dynamic/redis:Teardown", "redis-teardown")  # (type, tutorial name): created on purpose


def _unexpected(operations, run) -> dict:
    """What was created, deleted or replaced, but for the teardown's creation."""
    changed = {resource: ops & upgrade.CHANGES for resource, ops in operations.items() if ops & upgrade.CHANGES}
    if changed.get((TEARDOWN[0], run.name(TEARDOWN[1]))) == {"create"}:
        del changed[(TEARDOWN[0], run.name(TEARDOWN[1]))]
    return changed


class OldProgram:
    """A project copy whose stacks are deployed by the program before the split, then driven by this
    checkout's. The two stacks share the run's engine names, so they live one after the other."""

    def __init__(self, workspace: ProjectWorkspace, old: Path) -> None:
        self.workspace, self.old = workspace, old

    def deployed(self, name: str) -> auto.Stack:
        copy_program(self.old, self.workspace.root, PROGRAM_FILES)
        stack = self.workspace.stack(name, {"scenario": "redis"})
        stack.up(on_output=print)
        copy_program(REPO_ROOT, self.workspace.root, PROGRAM_FILES)  # same settings and state; the new program
        return stack


@pytest.fixture(scope="module")
def before_the_split(tmp_path_factory, run) -> Iterator[OldProgram]:
    workdir = tmp_path_factory.mktemp("upgrade-split")
    old = upgrade.checkout(BEFORE_THE_SPLIT, workdir / "before-the-split")
    root, env = make_project_copy(workdir, passphrase="upgrade-tests", source=old)
    workspace = ProjectWorkspace(root, env, run)
    try:
        yield OldProgram(workspace, old)
    finally:
        workspace.destroy_all()


def test_a_destroy_by_the_new_shape_deletes_with_the_old_providers_and_leaves_nothing(before_the_split, run):
    stack = before_the_split.deployed(DESTROYED)
    stack.destroy(on_output=print)
    for kind in engine.KINDS:
        assert engine.labelled(kind, DESTROYED, run.prefix) == [], f"{kind} of stack {DESTROYED} left after destroy"


def test_a_refresh_preview_and_update_by_the_new_shape_replace_and_delete_nothing(before_the_split, run):
    stack = before_the_split.deployed(UPDATED)
    before = upgrade.containers(run.prefix, UPDATED)
    upgrade.mark_volumes(set(before))
    stack.refresh(on_output=print)  # reads with the providers the state names: the old module paths
    _, planned = upgrade.operations(stack.preview)
    assert _unexpected(planned, run) == {}, f"the preview plans more than the teardown: {_unexpected(planned, run)}"
    result, done = upgrade.operations(stack.up)
    assert result.summary.result == "succeeded"
    assert _unexpected(done, run) == {}, f"the update did more than create the teardown: {_unexpected(done, run)}"
    assert upgrade.containers(run.prefix, UPDATED) == before, "a container was recreated"
    assert upgrade.unmarked_volumes(set(before)) == {}, "a node's data volume lost what was on it"
    assert stack.outputs()["healthy"].value is True
    stack.destroy(on_output=print)  # after one update the state names the new paths: the teardown removes it all
    for kind in engine.KINDS:
        assert engine.labelled(kind, UPDATED, run.prefix) == [], f"{kind} of stack {UPDATED} left after destroy"
