"""Backups of a Redis Cluster stack that restore: `make backup STACK=redis`, `make restore STACK=redis
FROM=<folder>` (docs/operations.md). Imports nothing from the engine until a command runs."""

from .errors import BackupError
from .layout import BackupLayout, MasterCopy, check_target, read_backup

__all__ = ["BackupError", "BackupLayout", "MasterCopy", "check_target", "read_backup"]
