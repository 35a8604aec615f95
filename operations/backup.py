"""`make backup`: each master's snapshot (BGSAVE, then its RDB file copied out through the engine) and the
cluster's layout, into a new folder.

Every master is asked to save at once, so the snapshots are as close in time as the cluster allows; a
write acknowledged before the backup started is in its master's snapshot. The folder is filled under a
hidden name and renamed when whole: a folder without the leading dot is a backup that finished.
"""

import os
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Dict, Sequence

from components.redis.model.cluster_state import parse_info

from .cluster_view import LiveMaster, observe, on_each
from .errors import OperationError
from .layout import LAYOUT_FILE, BackupLayout, MasterCopy, sha256_of
from .node_shell import NodeShell

SAVE_TIMEOUT_SECONDS = 300
POLL_SECONDS = 0.05


def _saves(shell: NodeShell) -> int:
    return int(parse_info(shell.redis("INFO", "persistence")).get("rdb_saves", "0"))


def _wait_for_save(shell: NodeShell, saves_before: int, deadline: float) -> Dict[str, str]:
    """INFO persistence once a save after the `saves_before`th has ended."""
    while True:
        info = parse_info(shell.redis("INFO", "persistence"))
        if int(info.get("rdb_saves", "0")) > saves_before and info.get("rdb_bgsave_in_progress") == "0":
            return info
        if time.monotonic() > deadline:
            raise OperationError(f"{shell.name} did not end its BGSAVE in {SAVE_TIMEOUT_SECONDS} s", "check its disk")
        time.sleep(POLL_SECONDS)


def snapshot(master: LiveMaster, folder: Path, report: Callable[[str], None]) -> MasterCopy:
    """BGSAVE SCHEDULE (waits out an AOF rewrite in progress instead of failing), then the file it wrote."""
    shell = master.shell
    before = _saves(shell)
    keys = int(shell.redis("DBSIZE"))
    try:
        shell.redis("BGSAVE", "SCHEDULE")
    except OperationError as error:
        if "already in progress" not in error.problem:
            raise
        # A save that started before ours may miss a write acknowledged since: let it end (-1: whatever
        # the count), then ours.
        _wait_for_save(shell, -1, time.monotonic() + SAVE_TIMEOUT_SECONDS)
        before = _saves(shell)
        shell.redis("BGSAVE", "SCHEDULE")
    info = _wait_for_save(shell, before, time.monotonic() + SAVE_TIMEOUT_SECONDS)
    if info.get("rdb_last_bgsave_status") != "ok":
        raise OperationError(f"{shell.name}'s BGSAVE failed", f"read its log: docker logs {shell.name}")
    directory = shell.redis("CONFIG", "GET", "dir").splitlines()[-1]
    dbfilename = shell.redis("CONFIG", "GET", "dbfilename").splitlines()[-1]
    data = shell.read_file(f"{directory}/{dbfilename}")
    file = f"{shell.name}.rdb"
    (folder / file).write_bytes(data)
    report(f"{shell.name}: {keys} keys, slots {' '.join(f'{a}-{b}' for a, b in master.entry.slots)}, {len(data)} bytes")
    return MasterCopy(
        node=shell.name,
        node_id=master.entry.node_id,
        slots=master.entry.slots,
        keys_at_save=keys,
        file=file,
        sha256=sha256_of(data),
    )


def save_backup(shells: Sequence[NodeShell], stack: str, out: Path, report: Callable[[str], None]) -> Path:
    """The backup of the cluster `shells` reach, in a new folder under `out`; returns its path."""
    view = observe(shells, stack)
    taken_at = datetime.now(timezone.utc)
    final = out / f"{stack}-{taken_at.strftime('%Y%m%dT%H%M%S.%fZ')}"
    partial = out / f".{final.name}.partial"
    partial.mkdir(parents=True)
    try:
        copies = on_each(view.masters, lambda master: snapshot(master, partial, report))
        layout = BackupLayout(
            stack=stack, taken_at=taken_at.isoformat(), redis_version=view.redis_version, masters=tuple(copies)
        )
        (partial / LAYOUT_FILE).write_text(layout.to_json() + "\n")
        os.replace(partial, final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return final
