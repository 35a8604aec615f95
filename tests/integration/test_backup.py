"""`make backup` and `make restore` on a real cluster (operations/): keys of several types and TTLs written,
a backup taken under the soak's load, the stack destroyed and deployed again, the backup restored:
every key back with its value and TTL, every write acknowledged before the backup started among them, and
`redis-cli --cluster check` happy. Then what a restore refuses before it writes: a cluster that holds keys
(unless told), a cluster of another number of masters, a folder that is not a backup. The tool runs as
`make` runs it, a process reading the stack's outputs through the Pulumi CLI."""

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import List

import pytest

from harness.project_copy import REPO_ROOT
from harness.redis_view import RedisView
from operations.layout import LAYOUT_FILE, BackupLayout, sha256_of
from soak.load import LoadClient, LoadSettings, value_of
from tests.integration import engine

pytestmark = pytest.mark.integration

STACK = "redis-backup"
KEYS = 300
TOOL_TIMEOUT_SECONDS = 300
LOAD_START_SECONDS = 30


def tool(project, *args: str) -> subprocess.CompletedProcess:
    """`python -m operations ...` as `make backup` / `make restore` run it, on the test's project copy."""
    return subprocess.run(
        [sys.executable, "-m", "operations", "--project-dir", str(project.root), *args],
        cwd=REPO_ROOT,
        env={**os.environ, **project.env},
        capture_output=True,
        text=True,
        timeout=TOOL_TIMEOUT_SECONDS,
    )


def write_keys(view: RedisView) -> None:
    client = view.cluster()
    try:
        for i in range(KEYS):
            client.set(f"string:{i}", f"value {i}")
        client.set("expiring", "soon", ex=3600)
        client.hset("hash:{h}", mapping={"a": "1", "b": "2"})
        client.rpush("list:{l}", "x", "y", "z")
    finally:
        client.close()


def cluster_check(view: RedisView) -> str:
    with engine.client() as client:
        code, output = client.containers.get(view.names[0]).exec_run(
            ["redis-cli", "--no-auth-warning", "--cluster", "check", "127.0.0.1:6379"],
            environment={"REDISCLI_AUTH": view.password},
        )
    assert isinstance(output, bytes), f"exec_run without stream= gave {type(output).__name__}"
    assert code == 0, output.decode(errors="replace")
    return output.decode(errors="replace")


def restore_loaders_left(run) -> List[str]:
    with engine.client() as client:
        names = [str(c.name) for c in client.containers.list(all=True)]
    return [name for name in names if name.startswith(run.prefix) and "-restore-" in name]


@pytest.fixture(scope="module")
def restored(project, redis_stack, run, tmp_path_factory):
    """Keys written, a backup under load, the stack destroyed and deployed again, the backup restored."""
    stack = redis_stack
    view = RedisView.of(stack)
    write_keys(view)
    load = LoadClient(connect=view.cluster, namespace="load", wait=False, settings=LoadSettings())  # the soak's
    load.start()
    while len(load.acknowledged) < 50 and time.monotonic() - load.started < LOAD_START_SECONDS:
        time.sleep(0.01)
    before = list(load.acknowledged)  # acknowledged before the backup started
    out = tmp_path_factory.mktemp("backups")
    try:
        saved = tool(project, "backup", STACK, "--out", str(out))
    finally:
        load.stop()
    assert len(before) >= 50, f"the load had {len(before)} writes acknowledged, errors {dict(load.errors)}"
    assert saved.returncode == 0, saved.stdout + saved.stderr
    folder = Path(saved.stdout.strip().splitlines()[-1])
    stack.destroy(on_output=print)
    stack.up(on_output=print)
    view = RedisView.of(stack)
    restore = tool(project, "restore", STACK, "--from", str(folder))
    assert restore.returncode == 0, restore.stdout + restore.stderr
    return view, folder, saved.stdout, restore.stdout, before


def test_a_backup_prints_a_line_per_master_and_its_folder_last(restored) -> None:
    view, folder, printed, _, _ = restored
    lines = printed.strip().splitlines()
    assert lines[-1] == str(folder) and folder.is_dir(), printed
    layout = BackupLayout.from_json((folder / LAYOUT_FILE).read_text())
    assert len(layout.masters) == 3 and sum(len(m.slots) for m in layout.masters) >= 3, layout
    for master in layout.masters:
        assert any(line.startswith(f"{master.node}: ") and " keys, slots " in line for line in lines[:-1]), printed
        assert sha256_of((folder / master.file).read_bytes()) == master.sha256
        assert (folder / master.file).read_bytes().startswith(b"REDIS"), f"{master.file} is not an RDB file"


def test_every_key_comes_back_with_its_value_and_ttl(restored) -> None:
    view, _, _, printed, _ = restored
    client = view.cluster()
    try:
        values = [client.get(f"string:{i}") for i in range(KEYS)]
        wrong = [i for i, value in enumerate(values) if value != f"value {i}"]
        assert not wrong, f"{len(wrong)} of {KEYS} keys not restored, e.g. string:{wrong[0]} = {values[wrong[0]]!r}"
        assert client.hgetall("hash:{h}") == {"a": "1", "b": "2"}
        assert client.lrange("list:{l}", 0, -1) == ["x", "y", "z"]
        assert 3000 < client.ttl("expiring") <= 3600, "the TTL was not kept"
    finally:
        client.close()
    assert "keys after the restore" in printed.strip().splitlines()[-1], printed


def test_every_write_acknowledged_before_the_backup_started_is_restored(restored) -> None:
    view, _, _, _, before = restored
    client = view.cluster()
    try:
        missing = [key for key in before if client.get(key) != value_of(key)]
    finally:
        client.close()
    assert not missing, f"{len(missing)} of {len(before)} acknowledged writes not restored, e.g. {missing[:3]}"


def test_the_restored_cluster_passes_redis_cli_check_and_no_loader_is_left(restored, run) -> None:
    view = restored[0]
    assert "[OK] All 16384 slots covered." in cluster_check(view)
    assert not restore_loaders_left(run)


def test_a_cluster_that_holds_keys_is_refused_unless_told(restored, project, run) -> None:
    _, folder, _, _, _ = restored
    refused = tool(project, "restore", STACK, "--from", str(folder))
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert f"stack '{STACK}' already holds keys" in refused.stderr and "ARGS=--overwrite" in refused.stderr
    again = tool(project, "restore", STACK, "--from", str(folder), "--overwrite")
    assert again.returncode == 0, again.stdout + again.stderr
    assert not restore_loaders_left(run)


def test_a_backup_of_another_number_of_masters_is_refused_before_anything_is_written(
    restored, project, tmp_path
) -> None:
    _, folder, _, _, _ = restored
    layout = BackupLayout.from_json((folder / LAYOUT_FILE).read_text())
    two = tmp_path / "two-masters"
    two.mkdir()
    for master in layout.masters[:2]:
        (two / master.file).write_bytes((folder / master.file).read_bytes())
    (two / LAYOUT_FILE).write_text(
        BackupLayout(STACK, layout.taken_at, layout.redis_version, layout.masters[:2]).to_json()
    )
    refused = tool(project, "restore", STACK, "--from", str(two), "--overwrite")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert f"holds 2 masters' data and stack '{STACK}' has 3 masters" in refused.stderr, refused.stderr


def test_a_folder_that_is_not_a_backup_is_refused(project, tmp_path) -> None:
    (tmp_path / "dump.rdb").write_bytes(b"not a backup")
    refused = tool(project, "restore", STACK, "--from", str(tmp_path))
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert f"{tmp_path} is not a backup `make backup` wrote (no {LAYOUT_FILE})" in refused.stderr, refused.stderr
