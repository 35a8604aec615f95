"""What a backup folder holds, and whether a cluster can take it back. Pure: no engine, no Redis.

A backup is a folder with one RDB file per master (the snapshot BGSAVE wrote) and `layout.json`: the
cluster's shape when it was taken (each master, its slots, its file and the file's SHA-256). The layout is
written last, so a folder without one is a backup that never finished.
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Mapping, Tuple

from components.redis.model.plan import SlotRange

from .errors import OperationError

FORMAT = "docker-networking-redis-backup/1"
LAYOUT_FILE = "layout.json"


@dataclass(frozen=True)
class MasterCopy:
    """One master's snapshot: the node it came from, the slots it served, its file in the folder."""

    node: str
    node_id: str
    slots: Tuple[SlotRange, ...]
    keys_at_save: int  # DBSIZE when its BGSAVE started: what the progress line showed
    file: str
    sha256: str


@dataclass(frozen=True)
class BackupLayout:
    stack: str
    taken_at: str  # UTC, ISO 8601
    redis_version: str
    masters: Tuple[MasterCopy, ...]

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "stack": self.stack,
                "takenAt": self.taken_at,
                "redisVersion": self.redis_version,
                "masters": [
                    {
                        "node": m.node,
                        "nodeId": m.node_id,
                        "slots": [list(r) for r in m.slots],
                        "keysAtSave": m.keys_at_save,
                        "file": m.file,
                        "sha256": m.sha256,
                    }
                    for m in self.masters
                ],
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> "BackupLayout":
        """ValueError, KeyError or TypeError for anything `to_json` did not write."""
        data: Dict[str, Any] = json.loads(text)
        if data.get("format") != FORMAT:
            raise ValueError(f"format {data.get('format')!r}, not {FORMAT!r}")
        masters = tuple(
            MasterCopy(
                node=str(m["node"]),
                node_id=str(m["nodeId"]),
                slots=tuple((int(a), int(b)) for a, b in m["slots"]),
                keys_at_save=int(m["keysAtSave"]),
                file=str(m["file"]),
                sha256=str(m["sha256"]),
            )
            for m in data["masters"]
        )
        if not masters:
            raise ValueError("no master in it")
        return cls(
            stack=str(data["stack"]),
            taken_at=str(data["takenAt"]),
            redis_version=str(data["redisVersion"]),
            masters=masters,
        )


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _not_a_backup(folder: Path, why: str) -> OperationError:
    return OperationError(
        f"{folder} is not a backup `make backup` wrote ({why})",
        "name the folder whose path `make backup` printed on its last line (FROM=...)",
    )


def read_backup(folder: Path) -> BackupLayout:
    """The folder's layout, once every file it names is there with the checksum it had."""
    if not folder.is_dir():
        raise OperationError(f"{folder} does not exist or is not a folder", "name the folder `make backup` printed")
    layout_path = folder / LAYOUT_FILE
    if not layout_path.is_file():
        raise _not_a_backup(folder, f"no {LAYOUT_FILE}")
    try:
        layout = BackupLayout.from_json(layout_path.read_text())
    except (ValueError, KeyError, TypeError) as error:
        raise _not_a_backup(folder, f"{LAYOUT_FILE} does not read as one: {error}") from None
    for master in layout.masters:
        path = folder / master.file
        if path.parent != folder or not path.is_file():
            raise _not_a_backup(folder, f"{master.file}, {master.node}'s snapshot, is missing")
        if sha256_of(path.read_bytes()) != master.sha256:
            raise _not_a_backup(folder, f"{master.file} is not the file the backup wrote: its checksum differs")
    return layout


def check_target(layout: BackupLayout, stack: str, masters: int, keys: Mapping[str, int], overwrite: bool) -> None:
    """A restore goes into a cluster of the backup's number of masters, and into an empty one unless the
    person said its keys may be overwritten. `keys`: each master of the target -> its DBSIZE."""
    if masters != len(layout.masters):
        raise OperationError(
            f"the backup holds {len(layout.masters)} masters' data and stack '{stack}' has {masters} masters",
            f"restore into a cluster of {len(layout.masters)} masters (the setting redis.masters), "
            "or name another backup",
        )
    held = {name: count for name, count in keys.items() if count}
    if held and not overwrite:
        listed = ", ".join(f"{name} {count}" for name, count in sorted(held.items()))
        raise OperationError(
            f"stack '{stack}' already holds keys ({listed})",
            "restore into an empty cluster (make destroy, then make up), or add ARGS=--overwrite to replace "
            "the keys the backup also holds",
        )
