"""Each node's non-secret redis.conf, written under the gitignored .build/<stack>/ for upload.

The file on disk is what gets uploaded (pulumi-docker `uploads[].source`), and its sha256 goes with it
(`source_hash`), so a changed setting changes the hash and Pulumi replaces the node with the new file.
Settings Redis takes at run time are not in it at their current values (live_settings.py).
"""

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

BUILD_ROOT = Path(".build")


@dataclass(frozen=True)
class RenderedFile:
    path: Path  # relative to the project directory when the build dir is the default
    sha256: str


def build_dir_for(stack: str) -> Path:
    return BUILD_ROOT / stack


def write_if_changed(path: Path, text: str) -> RenderedFile:
    """Write `text` to `path` unless it already holds exactly that (keeps mtimes of unchanged files)."""
    data = text.encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    if not path.exists() or path.read_bytes() != data:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)  # atomic: a concurrent reader never sees half a file
    return RenderedFile(path=path, sha256=digest)
