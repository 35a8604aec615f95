"""A deployed Redis Cluster stack's day-2 operations (docs/operations.md): `make backup STACK=redis`, `make
restore STACK=redis FROM=<folder>`, `make redis-cli STACK=redis`. Imports nothing from the engine until a
command runs."""

from .errors import OperationError
from .layout import BackupLayout, MasterCopy, check_target, read_backup

__all__ = ["OperationError", "BackupLayout", "MasterCopy", "check_target", "read_backup"]
