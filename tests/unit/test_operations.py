"""The operations tools' pure parts: the backup folder's layout and the checks a restore makes before it
writes anything (operations/layout.py), the stack outputs the tools read the nodes from
(operations/stack_outputs.py), and the docker CLI command `make redis-cli` becomes (operations/redis_cli.py)."""

import dataclasses
import json
from pathlib import Path
from typing import Dict, List

import pytest

from operations import BackupLayout, MasterCopy, OperationError, check_target, read_backup
from operations.cluster_view import observe
from operations.layout import LAYOUT_FILE, sha256_of
from operations.node_shell import NodeShell
from operations.redis_cli import redis_cli_command
from operations.restore import loader_script
from operations.stack_outputs import stack_nodes_from_outputs

SNAPSHOTS = {"redis-1.rdb": b"REDIS0010-one", "redis-2.rdb": b"REDIS0010-two", "redis-3.rdb": b"REDIS0010-three"}
SLOTS = {"redis-1.rdb": ((0, 5460),), "redis-2.rdb": ((5461, 10922),), "redis-3.rdb": ((10923, 16383),)}


def write_backup(folder: Path) -> BackupLayout:
    folder.mkdir()
    masters = []
    for index, (file, data) in enumerate(SNAPSHOTS.items()):
        (folder / file).write_bytes(data)
        node = file.removesuffix(".rdb")
        masters.append(MasterCopy(node, f"id{index}", SLOTS[file], 10 * index, file, sha256_of(data)))
    layout = BackupLayout("redis", "2026-12-08T03:00:00+00:00", "7.0.15", tuple(masters))
    (folder / LAYOUT_FILE).write_text(layout.to_json())
    return layout


def test_a_backup_reads_back_as_written(tmp_path: Path) -> None:
    written = write_backup(tmp_path / "b")
    assert read_backup(tmp_path / "b") == written


@pytest.mark.parametrize(
    "spoil, why",
    [
        (lambda f: (f / LAYOUT_FILE).unlink(), f"no {LAYOUT_FILE}"),
        (lambda f: (f / LAYOUT_FILE).write_text("{not json"), "does not read as one"),
        (lambda f: (f / LAYOUT_FILE).write_text(json.dumps({"format": "other/1"})), "format 'other/1'"),
        (lambda f: (f / "redis-2.rdb").unlink(), "redis-2.rdb, redis-2's snapshot, is missing"),
        (
            lambda f: (f / "redis-3.rdb").write_bytes(b"REDIS0010-changed"),
            "redis-3.rdb is not the file the backup wrote",
        ),
    ],
)
def test_a_folder_that_is_not_a_whole_backup_is_refused_saying_why(tmp_path: Path, spoil, why: str) -> None:
    write_backup(tmp_path / "b")
    spoil(tmp_path / "b")
    with pytest.raises(OperationError) as raised:
        read_backup(tmp_path / "b")
    assert "is not a backup `make backup` wrote" in raised.value.problem and why in raised.value.problem, raised.value
    assert "FROM=" in raised.value.fix


def test_a_layout_naming_a_file_outside_its_folder_is_refused(tmp_path: Path) -> None:
    layout = write_backup(tmp_path / "b")
    (tmp_path / "elsewhere.rdb").write_bytes(b"x")
    moved = dataclasses.replace(layout.masters[0], file="../elsewhere.rdb")
    (tmp_path / "b" / LAYOUT_FILE).write_text(BackupLayout("redis", "t", "7", (moved,)).to_json())
    with pytest.raises(OperationError, match="is missing"):
        read_backup(tmp_path / "b")


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(OperationError, match="does not exist"):
        read_backup(tmp_path / "nowhere")


def test_a_cluster_of_another_number_of_masters_is_refused_naming_both(tmp_path: Path) -> None:
    layout = write_backup(tmp_path / "b")
    with pytest.raises(OperationError) as raised:
        check_target(layout, "redis", 4, {}, overwrite=False)
    assert "holds 3 masters' data and stack 'redis' has 4 masters" in raised.value.problem
    assert "redis.masters" in raised.value.fix


def test_a_cluster_that_holds_keys_is_refused_unless_told(tmp_path: Path) -> None:
    layout = write_backup(tmp_path / "b")
    keys = {"redis-1": 0, "redis-2": 7, "redis-3": 0}
    with pytest.raises(OperationError) as raised:
        check_target(layout, "redis", 3, keys, overwrite=False)
    assert "already holds keys (redis-2 7)" in raised.value.problem and "ARGS=--overwrite" in raised.value.fix
    check_target(layout, "redis", 3, keys, overwrite=True)
    check_target(layout, "redis", 3, {"redis-1": 0}, overwrite=False)


def test_the_nodes_and_password_come_from_the_stack_outputs() -> None:
    nodes = stack_nodes_from_outputs("redis", {"nodes": [{"name": "redis-1"}, {"name": "redis-2"}], "password": "p"})
    assert nodes.names == ("redis-1", "redis-2") and nodes.password == "p"
    assert "p" not in repr(nodes), "the password must not show in a repr"
    assert stack_nodes_from_outputs("redis", {"nodes": [{"name": "redis-1"}], "password": None}).password is None


def test_a_stack_without_redis_nodes_is_refused_listing_its_outputs() -> None:
    with pytest.raises(OperationError) as raised:
        stack_nodes_from_outputs("mynet", {"tomcat01": "x"})
    assert "stack 'mynet' has no Redis nodes in its outputs (outputs: tomcat01)" in raised.value.problem


def test_the_loader_replaces_keys_only_when_told_and_quotes_file_names() -> None:
    plain = loader_script(["redis-1.rdb", "a b.rdb"], "10.0.9.2:6379", overwrite=False)
    assert "--cluster-replace" not in plain and "'a b.rdb'" in plain and "--cluster-copy" in plain
    assert "--cluster-replace" in loader_script(["redis-1.rdb"], "10.0.9.2:6379", overwrite=True)


def test_redis_cli_runs_in_a_node_with_the_password_passed_by_name_only() -> None:
    command = redis_cli_command("redis-1", ["get", "a"], interactive=False, auth=True)
    assert command == [
        "docker",
        "exec",
        "-i",
        "-e",
        "REDISCLI_AUTH",
        "redis-1",
        "redis-cli",
        "-c",
        "-p",
        "6379",
        "get",
        "a",
    ]
    assert redis_cli_command("redis-1", [], interactive=True, auth=False)[:3] == ["docker", "exec", "-it"]


class FakeContainer:
    """docker-py's Container as NodeShell uses it: exec_run answers from a script, one per call."""

    def __init__(self, *answers: "tuple[int, bytes]") -> None:
        self.answers = list(answers)
        self.calls: List[List[str]] = []

    def exec_run(self, command: List[str], environment: Dict[str, str]) -> "tuple[int, bytes]":
        self.calls.append(command)
        return self.answers.pop(0)


def test_an_answer_the_engine_lost_is_asked_again() -> None:
    container = FakeContainer((0, b""), (0, b"cluster_state:ok\r\n"))
    assert NodeShell("redis-1", container, "p").redis("CLUSTER", "INFO") == "cluster_state:ok"
    assert len(container.calls) == 2


@pytest.mark.parametrize(
    "answer",
    [
        b"AUTH failed: WRONGPASS invalid username-password pair or user is disabled.\nNOAUTH Authentication required.",
        b"NOAUTH Authentication required.",
        b"Error: Connection reset by peer",
        b"",
    ],
)
def test_redis_cli_complaints_and_silence_are_errors_naming_the_node(answer: bytes) -> None:
    container = FakeContainer(*[(0, answer)] * 5)
    with pytest.raises(OperationError) as raised:
        NodeShell("redis-3", container, "p").redis("CLUSTER", "INFO")
    assert raised.value.problem.startswith("redis-3 answered `CLUSTER INFO` with: "), raised.value.problem
    assert "p" not in container.calls[0], "the password must not be on the command line"


def test_a_cluster_that_becomes_ok_is_waited_for_and_one_that_does_not_is_refused_with_what_each_said() -> None:
    me = b"07c3 10.0.0.11:6379@16379 myself,master - 0 0 1 connected 0-16383"
    answers = [(0, b"cluster_state:fail"), (0, b"cluster_state:ok"), (0, me), (0, b"redis_version:7.0.15")]
    view = observe([NodeShell("redis-1", FakeContainer(*answers), None)], "redis", settle_seconds=5)
    assert [m.shell.name for m in view.masters] == ["redis-1"] and view.redis_version == "7.0.15"
    stuck = NodeShell("redis-2", FakeContainer(*[(0, b"NOAUTH Authentication required.")] * 50), None)
    with pytest.raises(OperationError) as raised:
        observe([stuck], "redis", settle_seconds=0)
    assert "stack 'redis' is not a whole cluster (redis-2: redis-2 answered `CLUSTER INFO` with: NOAUTH" in str(
        raised.value
    )
