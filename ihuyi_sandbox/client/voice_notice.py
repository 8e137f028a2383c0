"""The voice-notice product's client (语音通知): a call that reads out a text; blocking and asyncio."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..products.voice_notice.answers import API
from ..products.voice_notice.codes import error_for
from ._base import AsyncBaseClient, BaseClient, Submitted, _Core


class _VoiceNotice(_Core):
    default_url = "http://api.vm.ihuyi.com"
    path = "/webservice/voice.php"
    api = API
    error_for = staticmethod(error_for)

    def send(self, mobile: str, content: str) -> Submitted:
        """Call ``mobile`` (or a fixed line, area code first) and read out ``content``, which must
        follow one of the account's approved templates."""
        return self._submit({"mobile": mobile, "content": content})

    def send_template(self, mobile: str, template_id: int | str, *variables: str) -> Submitted:
        """Call and read out template ``template_id`` filled with ``variables`` (template 1361:
        ``send_template(mobile, 1361, "9633", "顺风快递")``)."""
        return self._submit({"mobile": mobile, "templateid": str(template_id), "content": "|".join(variables)})


class VoiceNoticeClient(_VoiceNotice, BaseClient):
    """One voice-notice account (``VM`` + 8 digits)."""


class AsyncVoiceNoticeClient(_VoiceNotice, AsyncBaseClient):
    """:class:`VoiceNoticeClient` for asyncio."""

    if TYPE_CHECKING:
        async def send(self, mobile: str, content: str) -> Submitted: ...
        async def send_template(self, mobile: str, template_id: int | str, *variables: str) -> Submitted: ...
