"""Where the sandbox's state lives: implementations of the service's store protocols
(``service/stores.py``), knowing records and SQL, never products, HTTP or serving."""

from __future__ import annotations

import os
from pathlib import Path

from .._exceptions import WriteFailed
from ..service.stores import Storage
from .sqlite import SQLiteStorage

__all__ = ["SQLiteStorage", "Storage", "WriteFailed", "open_storage", "remove_storage"]

MEMORY = ":memory:"


def open_storage(db: str, *, workspace: str | None = None) -> Storage:
    """The store at ``db`` or, with ``workspace``, that workspace's store beside it (for SQLite,
    a file of its own in the folder ``<db>.workspaces``; an in-memory store's workspaces are in
    memory too)."""
    path = db if workspace is None or db == MEMORY else _workspace_path(db, workspace)
    if path != MEMORY:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    return SQLiteStorage(path)


def remove_storage(db: str, workspace: str) -> None:
    """Delete a workspace's store (closed by whoever opened it)."""
    if db == MEMORY:
        return
    path = _workspace_path(db, workspace)
    for suffix in ("", "-wal", "-shm", "-lock"):
        try:
            os.unlink(path + suffix)
        except FileNotFoundError:
            pass


def _workspace_path(db: str, workspace: str) -> str:
    if not (workspace.isascii() and workspace.isalnum()):  # the registry's ids: never a path a caller steers
        raise ValueError(f"not a workspace id: {workspace!r}")
    return str(Path(db + ".workspaces") / f"{workspace}.db")
