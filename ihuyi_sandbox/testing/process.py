"""A real ``ihuyi-sandbox serve`` process, started on a free port and stopped with its whole group."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from .._banner import BANNER_END
from .._exceptions import SandboxError
from .._loopback import opener

#: the provider path of the voice product, which :meth:`SandboxProcess.call` calls by default
VOICE_PATH = "/webservice/voice.php"


@dataclass
class SandboxProcess:
    """A running ``ihuyi-sandbox serve`` process."""

    url: str
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)

    @property
    def banner(self) -> str:
        """What ``serve`` printed at start, up to its last banner line."""
        end = next((i for i, line in enumerate(self.lines) if line.rstrip("\n") == BANNER_END), len(self.lines))
        return "".join(self.lines[: end + 1])

    def output(self) -> str:
        """Everything the server printed so far."""
        return "".join(self.lines)

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) it listens on."""
        host, port = self.url.split("://", 1)[1].rsplit(":", 1)
        return host.strip("[]"), int(port)

    def call(self, method: str, params: Mapping[str, str] | None = None, *, post: bool = True,
             path: str = VOICE_PATH, timeout: float = 10) -> tuple[int, str, bytes]:
        """(status, Content-Type, body) of one provider call, ``params`` in the form body (or,
        with ``post=False``, in the query string); any status is returned, not raised."""
        data = urllib.parse.urlencode(params or {})
        url = f"{self.url}{path}?method={method}"
        request = (urllib.request.Request(url, data=data.encode()) if post
                   else urllib.request.Request(f"{url}&{data}"))
        try:
            with opener(url).open(request, timeout=timeout) as response:
                return response.status, response.headers["Content-Type"], response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers["Content-Type"], error.read()

    def get(self, path: str, timeout: float = 10) -> bytes:
        """The body of ``GET path`` (an error status raises :class:`urllib.error.HTTPError`)."""
        with opener(self.url).open(self.url + path, timeout=timeout) as response:
            return response.read()

    def raw(self, request: bytes, timeout: float = 10) -> bytes:
        """Everything the server sends back to the raw bytes of ``request`` until it closes the
        connection (send ``Connection: close``)."""
        with socket.create_connection(self.address, timeout=timeout) as conn:
            conn.sendall(request)
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
        return data

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        """Signal the whole process group and wait; SIGKILL after ``timeout``."""
        process = self.process
        if process.poll() is None:
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                pass
            try:
                return process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                return process.wait()
        return process.returncode


def start_sandbox(*args: str, env: Mapping[str, str] | None = None, timeout: float = 30) -> SandboxProcess:
    """``ihuyi-sandbox serve --port 0 ARGS`` in its own process group, once it prints its URL."""
    command = [sys.executable, "-m", "ihuyi_sandbox", "serve", "--port", "0", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, **(env or {})}, start_new_session=True)
    lines: list[str] = []
    found: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            match = re.search(r"listening on (https?://\S+)", line)
            if match and not found:
                found.append(match.group(1))
            if found and line.rstrip("\n") == BANNER_END:
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(timeout) or not found:
        SandboxProcess("", process, lines).stop(signal.SIGKILL)
        raise SandboxError(f"the sandbox did not start:\n{''.join(lines)}")
    return SandboxProcess(found[0], process, lines)


@contextmanager
def running_sandbox(*args: str, env: Mapping[str, str] | None = None) -> Iterator[SandboxProcess]:
    sandbox = start_sandbox(*args, env=env)
    try:
        yield sandbox
    finally:
        sandbox.stop()
