"""Stacks deployed before components/ was organised by concern keep working with the new layout.

Pulumi keeps each dynamic resource's provider pickled in the state by its module path
(components.providers.redis_formation, ...). A `redis` and a `mynet` stack are deployed here by the last
commit of the flat layout, then updated and destroyed by the program of this checkout, in the same state:
the layout replaces nothing and the destroy removes everything.

One change since then replaces containers on purpose: each Redis node's first process became run.sh (a
master hands over to its replica on `docker stop`, components/redis/handover.py) with a longer stop
grace period, so the `redis` stack's six containers are replaced, with their volumes, and so their data,
kept (docs/upgrading.md); one at a time, since the cluster exists (components/redis/rolling.py). Nothing
else may be created, deleted or replaced.

One resource of the old program is gone from the new one: the empty `BridgeNetwork docker0` component
that docker0's lookup was made under (look_up_default_bridge registers nothing). The update deletes it
from the state; it never had an engine object, so nothing on the engine is touched.
"""

from typing import AbstractSet, Dict, Iterator, Set, Tuple

import pytest

from harness.project_copy import PROGRAM_FILES, REPO_ROOT, copy_program, make_project_copy
from tests.integration import engine, upgrade
from tests.integration.conftest import ProjectWorkspace

pytestmark = pytest.mark.integration

# The last commit whose components/ was flat (providers in components/providers/).
FLAT_LAYOUT_COMMIT = "a4d45ee61bdbcdb60b3851501844153132151b61"
STACKS = ("redis", "mynet")
# Operations that create, delete or replace a resource; the update may do none of them, but for one:
DROPPED = ("docker-networking:index:BridgeNetwork", "docker0")  # (type, name): its delete is expected
CONTAINER = "docker:index/container:Container"
# Per stack, the containers a later change replaces on purpose (the Redis nodes' run.sh), by tutorial name.
REPLACED_ON_PURPOSE = {"redis": {f"redis-{n}" for n in range(1, 7)}, "mynet": set()}
# Per stack, the resources a later change adds (the live settings of the Redis nodes and their starting
# password, what makes a change of their containers roll, the teardown of the whole cluster), by tutorial name.
CREATED_ON_PURPOSE = {
    "redis": {
        ("pulumi-python:dynamic/redis:LiveSettings", "redis-live-settings"),
        ("pulumi-python:dynamic/redis:StartingPassword", "redis-starting-password"),
        ("pulumi-python:dynamic/redis:RollPlan", "redis-roll-plan"),
        *{("pulumi-python:dynamic/redis:RollStep", f"redis-{n}-roll") for n in range(1, 7)},
        ("pulumi-python:dynamic/redis:Teardown", "redis-teardown"),
    },
    "mynet": set(),
}


@pytest.fixture(scope="module")
def deployed_by_flat_layout(
    tmp_path_factory, project: ProjectWorkspace, run
) -> Iterator[Tuple[ProjectWorkspace, Dict[str, Dict[str, str]]]]:
    # The session's own stacks of these scenarios carry the same engine names: none may be up meanwhile.
    project.destroy_all()
    workdir = tmp_path_factory.mktemp("upgrade")
    old = upgrade.checkout(FLAT_LAYOUT_COMMIT, workdir / "flat-layout")
    root, env = make_project_copy(workdir, passphrase="upgrade-tests", source=old)
    workspace = ProjectWorkspace(root, env, run)
    before = {}
    try:
        for name in STACKS:
            workspace.stack(name).up(on_output=print)
            before[name] = upgrade.containers(run.prefix, name)
        copy_program(REPO_ROOT, root, PROGRAM_FILES)  # the same stacks, settings and state; the new program
        yield workspace, before
    finally:
        workspace.destroy_all()


def _unexpected(
    operations: Dict[Tuple[str, str], Set[str]],
    replaced: AbstractSet[str] = frozenset(),
    created: AbstractSet[Tuple[str, str]] = frozenset(),
) -> Dict[Tuple[str, str], Set[str]]:
    """The resources created, deleted or replaced, but for the dropped component's delete, the
    replacement of the containers named in `replaced` (engine names) and the creation of `created`."""
    changed = {resource: ops & upgrade.CHANGES for resource, ops in operations.items() if ops & upgrade.CHANGES}
    if changed.get(DROPPED) == {"delete"}:
        del changed[DROPPED]
    for resource in [r for r in created if changed.get(r) == {"create"}]:
        del changed[resource]
    for resource in [r for r in changed if r[0] == CONTAINER and r[1] in replaced]:
        if changed[resource] <= upgrade.REPLACEMENT:
            del changed[resource]
    return changed


@pytest.mark.parametrize("name", STACKS)
def test_an_update_by_the_new_layout_replaces_only_what_a_later_change_must(
    deployed_by_flat_layout, run, name: str
) -> None:
    workspace, before = deployed_by_flat_layout
    stack = workspace.stacks[name]
    replaced = {run.name(container) for container in REPLACED_ON_PURPOSE[name]}
    created = {(kind, run.name(resource)) for kind, resource in CREATED_ON_PURPOSE[name]}
    upgrade.mark_volumes(replaced)
    _, planned = upgrade.operations(stack.preview)
    unexpected = _unexpected(planned, replaced, created)
    assert unexpected == {}, f"the preview plans more than the docker0 component's delete and run.sh: {unexpected}"
    result, done = upgrade.operations(stack.up)
    assert result.summary.result == "succeeded"
    unexpected = _unexpected(done, replaced, created)
    assert unexpected == {}, f"the update did more than the docker0 component's delete and run.sh: {unexpected}"
    after = upgrade.containers(run.prefix, name)
    assert sorted(after) == sorted(before[name]), f"containers before {sorted(before[name])}, after {sorted(after)}"
    kept = {c: i for c, i in before[name].items() if c not in replaced}
    assert {c: after[c] for c in kept} == kept, "a container outside the planned replacements was recreated"
    assert upgrade.unmarked_volumes(replaced) == {}, "a replaced node's data volume lost what was on it"


@pytest.mark.parametrize("name", STACKS)
def test_a_destroy_by_the_new_layout_removes_everything(deployed_by_flat_layout, run, name: str) -> None:
    workspace, _ = deployed_by_flat_layout
    workspace.stacks[name].destroy(on_output=print)
    for kind in engine.KINDS:
        assert engine.labelled(kind, name, run.prefix) == [], f"{kind} of stack {name} left after destroy"
