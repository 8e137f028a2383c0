"""Probes: each server answers what it must, and the robustness probes of the serving-stack candidates."""

from __future__ import annotations

import http.client
import socket
import time
import urllib.error
import urllib.request

from .workloads import FORM, RESET_MOBILE, SUBMIT_XML, Kind, Workload

STALLED_CLIENTS = 4      # robustness probe of --compare-servers


def probe(url: str, kind: Kind) -> None:
    """One request of ``kind``: the answer must be a 200 of the right Content-Type and code."""
    request = urllib.request.Request(url + kind.path, kind.body.encode(), {"Content-Type": FORM})
    with urllib.request.urlopen(request, timeout=10) as answer:
        body, content_type = answer.read(), answer.headers.get("Content-Type", "")
    if content_type != kind.content_type or kind.marker not in body:
        raise RuntimeError(f"{url}: {kind.name} answered {content_type!r} {body[:200]!r}")


def answers(url: str, workload: Workload) -> bool:
    """Whether the server answers every kind of ``workload`` as it must (a baseline from before
    the family answers voice codes only). Its probes are a few journal rows more than the run
    counts, within what the correctness check allows for the requests in flight."""
    try:
        for kind, _ in workload.mix:
            probe(url, kind)
    except (RuntimeError, OSError):  # a wrong answer, or an HTTP error (urllib's are OSErrors)
        return False
    return True


def stalled_clients_probe(url: str, count: int = STALLED_CLIENTS, timeout: float = 5.0) -> str:
    """Can a normal Submit get through while ``count`` clients sit on half-sent requests?"""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    stalled = []
    try:
        for _ in range(count):
            sock = socket.create_connection((host, int(port)), timeout=5)
            sock.sendall(f"POST {SUBMIT_XML.path} HTTP/1.1\r\nHost: {host}\r\n".encode())  # and never the rest
            stalled.append(sock)
        time.sleep(0.3)
        start = time.monotonic()
        request = urllib.request.Request(url + SUBMIT_XML.path, SUBMIT_XML.body.encode(), {"Content-Type": FORM})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                answer.read()
        except OSError:
            return f"blocked (no answer in {timeout:.0f} s)"
        return f"answers ({(time.monotonic() - start) * 1000:.0f} ms)"
    finally:
        for sock in stalled:
            sock.close()


def reset_fault_probe(url: str) -> str:
    """Does the scenario fault ``reset`` (a TCP reset, no answer) happen on this stack? The app
    finds the connection's socket in the WSGI environ; not every server puts it there."""
    body = SUBMIT_XML.body.replace("mobile=13812345678", f"mobile={RESET_MOBILE}")
    request = urllib.request.Request(url + SUBMIT_XML.path, body.encode(), {"Content-Type": FORM})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return f"no: HTTP {answer.status}, {len(answer.read())} bytes"
    except (ConnectionError, http.client.HTTPException):
        return "yes"
    except urllib.error.URLError as error:
        return "yes" if isinstance(error.reason, ConnectionError) else f"no: {error.reason}"

