"""An HTTP answer of a provider API, whole, as the surfaces send it."""

from __future__ import annotations

from typing import NamedTuple


class Reply(NamedTuple):
    """``headers`` are those beyond Content-Type and Content-Length (which are added from
    ``content_type`` and ``body`` unless given).

    This and the other values made for every request (``Answer``, ``Outcome``, ``Facts``) are
    named tuples rather than frozen dataclasses: as immutable, and cheaper to make."""

    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def header_list(self) -> list[tuple[str, str]]:
        if not self.headers:  # nearly every answer
            return [("Content-Type", self.content_type), ("Content-Length", str(len(self.body)))]
        headers = [("Content-Type", self.content_type), *self.headers]
        if not any(name == "Content-Length" for name, _ in self.headers):
            headers.append(("Content-Length", str(len(self.body))))
        return headers


def text_reply(status: int, message: str, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    """An answer outside the ihuyi codes: one plain sentence, never a page of HTML."""
    return Reply(status, (message + "\n").encode(), headers=headers)


#: no answer at all: the connection is dropped. It is an answer granian's HTTP layer refuses to
#: send (both ``Content-Length`` and chunked framing), so it closes the connection without writing
#: a byte, and the worker carries on; granian keeps its sockets in Rust, out of reach otherwise.
DROP = Reply(200, b"x", headers=(("Content-Length", "1"), ("Transfer-Encoding", "chunked")))
