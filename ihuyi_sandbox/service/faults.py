"""The faults a scenario rule may force, one entry each: the scenario check accepts their names,
the backend asks whether the request still reaches the service, and the provider surface carries
them out on the wire. Adding a fault is adding one :func:`fault` here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from ..wire.replies import DROP, Reply


@dataclass(frozen=True)
class Fault:
    name: str
    #: what the client gets instead of the answer (:data:`~ihuyi_sandbox.wire.replies.DROP`: nothing)
    carry_out: Callable[[Reply], Reply]
    #: whether the request is handled as usual (only the answer spoiled) or never reaches the
    #: service (nothing changes, nothing is delivered; the journal says the fault)
    reaches_service: bool
    #: whether it first waits the rule's ``hang_seconds``
    waits: bool = False
    #: one line for the documentation
    description: str = ""


#: every fault, by name, in the order the documentation lists them
FAULTS: dict[str, Fault] = {}


def fault(name: str, *, reaches_service: bool, waits: bool = False,
          description: str) -> Callable[[Callable[[Reply], Reply]], Callable[[Reply], Reply]]:
    """Declare the fault ``name`` carried out by the decorated function."""

    def register(carry_out: Callable[[Reply], Reply]) -> Callable[[Reply], Reply]:
        FAULTS[name] = Fault(name, carry_out, reaches_service, waits, description)
        return carry_out

    return register


@fault("hang", reaches_service=False, waits=True,
       description="no answer: the connection is dropped after hang_seconds (default 20)")
@fault("reset", reaches_service=False, description="no answer: the connection is dropped at once")
def _drop(reply: Reply) -> Reply:
    return DROP


#: what nginx in front of the real service sends when the PHP behind it fails
_GATEWAY_PAGE = ("<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
                 "<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
                 "</body>\r\n</html>\r\n")
_REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Temporarily Unavailable",
            504: "Gateway Time-out"}


def _gateway_error(status: int, reply: Reply) -> Reply:
    return Reply(status, _GATEWAY_PAGE.format(status=status, reason=_REASONS[status]).encode(), "text/html")


for _status in _REASONS:
    fault(f"http_{_status}", reaches_service=False,
          description=f"nginx's HTML page for HTTP {_status}, as when the PHP behind it fails")(
        partial(_gateway_error, _status))


@fault("truncated", reaches_service=True, description="the answer's first half only")
def _truncated(reply: Reply) -> Reply:
    return reply._replace(body=reply.body[: len(reply.body) // 2])


@fault("malformed", reaches_service=True,
       description="well-begun but broken: an unclosed element in XML, a missing value in JSON")
def _malformed(reply: Reply) -> Reply:
    body = reply.body
    if body.startswith(b"{"):
        return reply._replace(body=body.split(b',"', 2)[0] + b',"msg":}')
    cut = body.rfind(b"</")  # the root's end tag; the one before it ends the id, whatever its name
    last = body.rfind(b"</", 0, cut)
    name = body[last + 2: body.find(b">", last)] if last >= 0 else b"id"
    return reply._replace(body=body[:cut] + b"<" + name + b">&broken;<\n")


@fault("empty", reaches_service=True, description="HTTP 200 with an empty body")
def _empty(reply: Reply) -> Reply:
    return reply._replace(body=b"")


@fault("wrong_content_type", reaches_service=True, description="the answer sent as text/html")
def _wrong_content_type(reply: Reply) -> Reply:
    return reply._replace(content_type="text/html; charset=utf-8")
