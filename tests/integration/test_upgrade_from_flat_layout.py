"""Stacks deployed before components/ was organised by concern keep working with the new layout.

Pulumi keeps each dynamic resource's provider pickled in the state by its module path
(components.providers.redis_formation, ...). A `redis` and a `mynet` stack are deployed here by the last
commit of the flat layout, then updated and destroyed by the program of this checkout, in the same state:
the update replaces no container and the destroy removes everything.
"""
import io
import subprocess
import tarfile
from pathlib import Path
from typing import Dict, Iterator, Tuple

import pytest
from harness.project_copy import PROGRAM_FILES, REPO_ROOT, copy_program, make_project_copy
from tests.integration import engine
from tests.integration.conftest import ProjectWorkspace
from tests.integration.redis_checks import changes

pytestmark = pytest.mark.integration

# The last commit whose components/ was flat (providers in components/providers/).
FLAT_LAYOUT_COMMIT = "a4d45ee61bdbcdb60b3851501844153132151b61"
STACKS = ("redis", "mynet")


def _checkout(commit: str, into: Path) -> Path:
    """The project's files at `commit`, from this clone's history."""
    done = subprocess.run(["git", "-C", str(REPO_ROOT), "archive", commit], capture_output=True)
    assert done.returncode == 0, (f"commit {commit} is not in this clone's history ({done.stderr.decode().strip()}); "
                                  "the upgrade test needs it: fetch the full history (git fetch --unshallow)")
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as archive:
        archive.extractall(into)
    return into


def _containers(prefix: str, stack: str) -> Dict[str, str]:
    with engine.client() as client:
        return {c.name: c.id for c in client.containers.list(all=True, filters=engine.run_filters(prefix, stack))}


@pytest.fixture(scope="module")
def deployed_by_flat_layout(tmp_path_factory, project: ProjectWorkspace,
                            run) -> Iterator[Tuple[ProjectWorkspace, Dict[str, Dict[str, str]]]]:
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


@pytest.mark.parametrize("name", STACKS)
def test_an_update_by_the_new_layout_replaces_no_container(deployed_by_flat_layout, run, name: str) -> None:
    workspace, before = deployed_by_flat_layout
    stack = workspace.stacks[name]
    preview = stack.preview(on_output=print)
    planned = changes(preview)
    assert not {"replace", "create-replacement", "delete", "create"} & set(planned), planned
    result = stack.up(on_output=print)
    assert result.summary.result == "succeeded"
    assert not {"replace", "delete", "create"} & set(changes(result)), changes(result)
    assert _containers(run.prefix, name) == before[name]


@pytest.mark.parametrize("name", STACKS)
def test_a_destroy_by_the_new_layout_removes_everything(deployed_by_flat_layout, run, name: str) -> None:
    workspace, _ = deployed_by_flat_layout
    workspace.stacks[name].destroy(on_output=print)
    for kind in engine.KINDS:
        assert engine.labelled(kind, name, run.prefix) == [], f"{kind} of stack {name} left after destroy"
