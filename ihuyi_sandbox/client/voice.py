"""The voice verification-code product's client, blocking and asyncio."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..products.voice.answers import API
from ..products.voice.codes import error_for
from ..wire.answers import Answer
from ._base import AsyncBaseClient, BaseClient, _Core, read_answer

DEFAULT_URL = "http://api.voice.ihuyi.com"
VOICE_PATH = "/webservice/voice.php"


@dataclass(frozen=True)
class SubmitResult:
    """An accepted call: ``voiceid`` is the provider's id of the call, ``code`` is 2."""

    voiceid: str
    code: int
    message: str


class _Voice(_Core):
    default_url = DEFAULT_URL
    path = VOICE_PATH
    api = API
    error_for = staticmethod(error_for)

    def send_code(self, mobile: str, code: str) -> SubmitResult:
        """Have the service call ``mobile`` and read out ``code`` (4 to 6 digits).

        Raises an :class:`~ihuyi_sandbox.errors.IhuyiError` subclass for any code but 2, and
        :class:`~ihuyi_sandbox.errors.TransportError` when no contract answer came back (the call
        may still have been placed: see the module's retry policy).
        """
        return self._call("Submit", {"mobile": mobile, "content": code}, _result)


class VoiceClient(_Voice, BaseClient):
    """One ihuyi voice account at one base URL (see :class:`~ihuyi_sandbox.client.BaseClient`)."""


class AsyncVoiceClient(_Voice, AsyncBaseClient):
    """:class:`VoiceClient` for asyncio: ``await client.send_code(...)``, ``await client.balance()``."""

    if TYPE_CHECKING:
        async def send_code(self, mobile: str, code: str) -> SubmitResult: ...


def _result(answer: Answer) -> SubmitResult:
    return SubmitResult(answer.value, answer.code, answer.msg)


def parse_answer(body: bytes, method: str, format: str = "xml") -> Answer:
    """The voice answer ``body`` holds (see :func:`~ihuyi_sandbox.client._base.read_answer`)."""
    return read_answer(API, body, method, format)
