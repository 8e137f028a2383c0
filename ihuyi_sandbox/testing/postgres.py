"""A throw-away PostgreSQL server for tests and the benchmark: ``initdb`` and ``pg_ctl`` (Debian's
``postgresql`` package, or any on ``PATH``) in a temporary directory, on a free loopback port,
trusting loopback connections. PostgreSQL refuses to run as root, so as root the server runs as
the unprivileged ``nobody`` (through ``runuser``), owning only its directory."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

#: the unprivileged user the server runs as when this process is root
USER = "nobody"


def binaries() -> str | None:
    """The folder of ``initdb`` and ``pg_ctl``: on ``PATH``, else Debian's newest; ``None`` if none."""
    found = shutil.which("pg_ctl")
    if found:
        return os.path.dirname(found)
    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    return os.path.dirname(folders[-1]) if folders else None


@dataclass
class PostgresServer:
    """A running throw-away server: ``url`` of its ``postgres`` database, user ``postgres``."""

    directory: str
    port: int
    bin: str

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def database(self, name: str) -> str:
        """A new, empty database's URL."""
        self._run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-q", "-c",
                  f'CREATE DATABASE "{name}"')
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def start(self) -> None:
        self._run(os.path.join(self.bin, "pg_ctl"), "-D", self._data, "-l", self._log, "-w", "-t", "30",
                  "-o", f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off "
                        "-c max_connections=300 -c shared_buffers=32MB", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``immediate``: as a crash would, without a shutdown checkpoint)."""
        self._run(os.path.join(self.bin, "pg_ctl"), "-D", self._data, "-m", mode, "-w", "stop")

    @property
    def _data(self) -> str:
        return os.path.join(self.directory, "data")

    @property
    def _log(self) -> str:
        return os.path.join(self.directory, "server.log")

    def _run(self, *command: str) -> None:
        if command[0] == "psql":
            command = (shutil.which("psql") or os.path.join(self.bin, "psql"), *command[1:])
        if os.geteuid() == 0:
            command = ("runuser", "-u", USER, "--", *command)
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.directory)
        if done.returncode:
            raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()}")


def available() -> str | None:
    """Why a throw-away server cannot be had here, or ``None`` if it can."""
    if binaries() is None:
        return "PostgreSQL's server programs (initdb, pg_ctl) are not installed: apt-get install postgresql"
    try:
        import psycopg  # noqa: F401
        import psycopg_pool  # noqa: F401
    except ImportError:
        return "the PostgreSQL driver is not installed: pip install 'ihuyi-sandbox[postgres]'"
    return None


@contextmanager
def throwaway_postgres() -> Iterator[PostgresServer]:
    """A fresh server for the ``with`` block, removed with its files afterwards."""
    bin = binaries()
    if bin is None:
        raise RuntimeError(available())
    directory = tempfile.mkdtemp(prefix="ihuyi-sandbox-pg-")
    if os.geteuid() == 0:
        shutil.chown(directory, USER)
    server = PostgresServer(directory, _free_port(), bin)
    try:
        server._run(os.path.join(bin, "initdb"), "-D", server._data, "-U", "postgres", "-A", "trust",
                    "-E", "UTF8", "--locale=C", "--no-sync")
        server.start()
        try:
            yield server
        finally:
            try:
                server.stop("immediate")
            except RuntimeError:
                pass  # stopped already (a test stopped it)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
