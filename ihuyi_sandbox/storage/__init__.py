"""Where the sandbox's state lives: implementations of the service's store protocols
(``service/stores.py``), knowing records and SQL, never products, HTTP or serving."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .._exceptions import StoreRefused, StoreUnavailable, WriteFailed
from ..service.stores import Storage
from .sqlite import SQLiteStorage

__all__ = ["SCHEMES", "SQLiteStorage", "Storage", "StoreRefused", "StoreUnavailable", "WriteFailed", "masked",
           "open_storage"]

#: the URL schemes ``--db`` takes besides a file's path, and what serves them
SCHEMES = {"postgresql": "PostgreSQL", "postgres": "PostgreSQL"}
#: a workspace's id, as a file name and a schema name take it
_WORKSPACE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")
#: what a URL looks like: a scheme, then ``:`` and ``//`` (a Windows drive ``C:\\`` is no scheme)
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+)://")


def open_storage(db: str, *, workspace: str | None = None, pool_size: int | None = None) -> Storage:
    """The store ``db`` names: a ``postgresql://USER@HOST:PORT/DBNAME`` URL (the optional
    ``[postgres]`` extra), ``:memory:``, or an SQLite file's path (its folder made if need be).

    ``workspace``: the store of that workspace, beside the main one: a schema of its own in the
    same PostgreSQL database; an SQLite file of its own in the folder ``<db>.workspaces`` beside
    the main file; another private in-memory database for ``:memory:``. Its id is 1 to 48 lower-case
    letters, digits, ``_`` and ``-``, starting with a letter or digit (:class:`ValueError` else).
    ``pool_size``: the PostgreSQL connections this store may open.
    A value that looks like a URL of another scheme is refused (it would otherwise become a
    file at a strange relative path)."""
    if workspace is not None and not _WORKSPACE.match(workspace):
        raise ValueError(f"a workspace id is 1 to 48 lower-case letters, digits, '_' and '-', starting with a "
                         f"letter or digit; got {workspace!r}")
    found = _URL.match(db)
    if found:
        scheme = found.group(1).lower()
        if scheme not in SCHEMES:
            served = ", ".join(f"{name}://" for name in SCHEMES)
            raise StoreRefused(f"the database is given as a URL of the scheme {scheme}://, which the sandbox does "
                               f"not serve: it serves {served} (USER@HOST:PORT/DBNAME), or give an SQLite file's path")
        try:
            from .postgres import DEFAULT_POOL_SIZE, PostgresStorage
        except ImportError as missing:
            raise StoreRefused(str(missing)) from None
        return PostgresStorage(db, schema=_schema(workspace), pool_size=pool_size or DEFAULT_POOL_SIZE)
    if workspace is not None and db != ":memory:":
        db = str(Path(db).with_name(Path(db).name + ".workspaces") / f"{workspace}.db")
    if db != ":memory:":
        Path(db).parent.mkdir(parents=True, exist_ok=True)
    return SQLiteStorage(db)


def _schema(workspace: str | None) -> str:
    """The PostgreSQL schema of a workspace (``public`` holds the main store)."""
    return "public" if workspace is None else f"workspace_{workspace}"  # within PostgreSQL's 63 bytes


def masked(db: str) -> str:
    """``db`` without a URL's password, for the banner and the log."""
    if not _URL.match(db):
        return db
    parts = urlsplit(db)
    if parts.password is None:
        return db
    netloc = f"{parts.username}:***@{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))
