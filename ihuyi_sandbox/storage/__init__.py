"""Where the sandbox's state lives: see :class:`Storage`."""

from .base import Storage, WriteFailed
from .sqlite import SQLiteStorage

__all__ = ["Storage", "SQLiteStorage", "WriteFailed"]
