"""Where the sandbox's state lives: implementations of the service's store protocols
(``service/stores.py``), knowing records and SQL, never products, HTTP or serving."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .._exceptions import StoreRefused, StoreUnavailable, WriteFailed
from ..service.stores import Storage
from .sqlite import SQLiteStorage

__all__ = ["SCHEMES", "SQLiteStorage", "Storage", "StoreRefused", "StoreUnavailable", "WriteFailed", "masked",
           "open_storage", "remove_storage"]

MEMORY = ":memory:"
#: the URL schemes ``--db`` takes besides a file's path, and what serves them
SCHEMES = {"postgresql": "PostgreSQL", "postgres": "PostgreSQL"}
#: what a URL looks like: a scheme, then ``:`` and ``//`` (a Windows drive ``C:\\`` is no scheme)
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+)://")


def open_storage(db: str, *, workspace: str | None = None, pool_size: int | None = None) -> Storage:
    """The store ``db`` names: a ``postgresql://USER@HOST:PORT/DBNAME`` URL (the optional
    ``[postgres]`` extra), ``:memory:``, or an SQLite file's path (its folder made if need be).

    ``workspace``: that workspace's store beside the main one: a schema of its own in the same
    PostgreSQL database; for SQLite, a file of its own in the folder ``<db>.workspaces`` (an
    in-memory store's workspaces are in memory too). ``pool_size``: the PostgreSQL connections
    this store may open. A value that looks like a URL of another scheme is refused (it would
    otherwise become a file at a strange relative path)."""
    if _postgres(db):
        from .postgres import DEFAULT_POOL_SIZE, PostgresStorage, shared_pool

        size, schema = pool_size or DEFAULT_POOL_SIZE, _schema(workspace)
        # a workspace's store shares one pool with the process's other workspaces: a pool each
        # would take a hundred workspaces' times the connections, past what a server allows
        pool = None if workspace is None else shared_pool(db, size)
        return PostgresStorage(db, schema=schema, pool=pool, pool_size=size)
    path = db if workspace is None or db == MEMORY else _workspace_path(db, workspace)
    if path != MEMORY:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    return SQLiteStorage(path)


def remove_storage(db: str, workspace: str) -> None:
    """Delete a workspace's store (closed by whoever opened it)."""
    if _postgres(db):
        from .postgres import drop_schema

        drop_schema(db, _schema(workspace))
        return
    if db == MEMORY:
        return
    path = _workspace_path(db, workspace)
    for suffix in ("", "-wal", "-shm", "-lock"):
        try:
            os.unlink(path + suffix)
        except FileNotFoundError:
            pass


def _postgres(db: str) -> bool:
    """Whether ``db`` is a PostgreSQL URL; a URL of a scheme not served, or a missing driver, is refused."""
    found = _URL.match(db)
    if not found:
        return False
    scheme = found.group(1).lower()
    if scheme not in SCHEMES:
        served = ", ".join(f"{name}://" for name in SCHEMES)
        raise StoreRefused(f"the database is given as a URL of the scheme {scheme}://, which the sandbox does "
                           f"not serve: it serves {served} (USER@HOST:PORT/DBNAME), or give an SQLite file's path")
    try:
        from . import postgres  # noqa: F401
    except ImportError as missing:
        raise StoreRefused(str(missing)) from None
    return True


def _checked(workspace: str) -> str:
    if not (workspace.isascii() and workspace.isalnum() and len(workspace) <= 48):
        raise ValueError(f"not a workspace id: {workspace!r}")  # the registry's ids: never a path a caller steers
    return workspace


def _workspace_path(db: str, workspace: str) -> str:
    return str(Path(db + ".workspaces") / f"{_checked(workspace)}.db")


def _schema(workspace: str | None) -> str:
    """The PostgreSQL schema of a workspace (``public`` holds the main store), within its 63 bytes."""
    return "public" if workspace is None else f"workspace_{_checked(workspace)}"


def masked(db: str) -> str:
    """``db`` without a URL's password, for the banner and the log."""
    if not _URL.match(db):
        return db
    parts = urlsplit(db)
    if parts.password is None:
        return db
    netloc = f"{parts.username}:***@{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))
