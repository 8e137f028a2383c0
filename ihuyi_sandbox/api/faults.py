"""Carrying out a scenario's faults on the wire: gateway errors, resets, spoiled bodies."""

from __future__ import annotations

import socket
import struct
from typing import NamedTuple

#: what nginx in front of the real service sends when the PHP behind it fails
_GATEWAY_PAGE = ("<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
                 "<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
                 "</body>\r\n</html>\r\n")
_REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Temporarily Unavailable",
            504: "Gateway Time-out"}


class Reply(NamedTuple):
    """An HTTP answer of the provider API, whole: ``headers`` are those beyond Content-Type and
    Content-Length (which are added from ``content_type`` and ``body`` unless given).

    This and the other values made for every request (``Answer``, ``Outcome``, ``Facts``) are
    named tuples rather than frozen dataclasses: as immutable, and made in a third of the time."""

    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()


def gateway_error(status: int) -> Reply:
    return Reply(status, _GATEWAY_PAGE.format(status=status, reason=_REASONS[status]).encode(), "text/html")


def reset_connection(sock: socket.socket | None) -> Reply:
    """Drop the connection without an answer (the ``reset`` fault, and ``hang`` after its wait).

    Where the server lends the socket (werkzeug's, in tests), ``SO_LINGER`` 0 and a shutdown end it
    at once and the server's attempt to answer fails quietly. Granian keeps its sockets in Rust,
    so there the answer is made one its HTTP layer refuses to send (both ``Content-Length`` and
    chunked framing): it closes the connection without writing a byte, and the worker carries on.
    """
    if isinstance(sock, socket.socket):
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        return Reply(200, b"", headers=(("Connection", "close"),))
    return Reply(200, b"x", headers=(("Content-Length", "1"), ("Transfer-Encoding", "chunked")))


def spoil(reply: Reply, fault: str) -> Reply:
    """The answer with its body truncated, malformed or emptied, or its Content-Type wrong."""
    body = reply.body
    if fault == "truncated":
        return reply._replace(body=body[: len(body) // 2])
    if fault == "malformed":
        return reply._replace(body=_malformed(body))
    if fault == "empty":
        return reply._replace(body=b"")
    if fault == "wrong_content_type":
        return reply._replace(content_type="text/html; charset=utf-8")
    return reply


def _malformed(body: bytes) -> bytes:
    """Well-begun but broken: an unclosed element in XML, a missing value in JSON."""
    if body.startswith(b"{"):
        return body.split(b',"', 2)[0] + b',"msg":}'
    cut = body.rfind(b"</")
    return body[:cut] + b"<voiceid>&broken;<" + b"\n"
