"""The SMS products' clients: SMS (验证码通知短信), international SMS and marketing SMS; blocking and
asyncio."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..products.sms.answers import ISMS_API, MARKETING_API, SMS_API
from ..products.sms.codes import error_for
from ..wire.answers import Answer
from ._base import AsyncBaseClient, BaseClient, Submitted, _Core


class _Sms(_Core):
    default_url = "http://106.ihuyi.com"
    path = "/webservice/sms.php"
    api = SMS_API
    error_for = staticmethod(error_for)

    def send(self, mobile: str, content: str, *, sign: str | None = None) -> Submitted:
        """Send ``content`` as it is (it must follow one of the account's approved templates;
        the platform adds the signature). Raises as :meth:`balance` does."""
        return self._submit({"mobile": mobile, "content": content, "sign": sign})

    def send_template(self, mobile: str, template_id: int | str, *variables: str,
                      sign: str | None = None) -> Submitted:
        """Send template ``template_id`` filled with ``variables`` (template 1 is the default
        verification code: ``send_template(mobile, 1, "1234")``)."""
        return self._submit({"mobile": mobile, "templateid": str(template_id), "content": "|".join(variables),
                             "sign": sign})

    def add_template(self, content: str) -> int:
        """Submit a template (``【变量】`` placeholders) for review; its id. It matches once approved."""
        return self._call("AddTemplate", {"content": content}, _template_id, signed=False)


class SmsClient(_Sms, BaseClient):
    """One SMS account (``C`` + 8 digits): codes and notices to one mainland mobile."""


class AsyncSmsClient(_Sms, AsyncBaseClient):
    """:class:`SmsClient` for asyncio."""

    if TYPE_CHECKING:
        async def send(self, mobile: str, content: str, *, sign: str | None = None) -> Submitted: ...
        async def send_template(self, mobile: str, template_id: int | str, *variables: str,
                                sign: str | None = None) -> Submitted: ...
        async def add_template(self, content: str) -> int: ...


class _InternationalSms(_Core):
    default_url = "http://api.isms.ihuyi.com"
    path = "/webservice/isms.php"
    api = ISMS_API
    error_for = staticmethod(error_for)

    def send(self, country_code: str | int, number: str, content: str) -> Submitted:
        """Send ``content`` to ``number`` in the country with calling code ``country_code``
        (``send(1, "6502530000", "Your code is 1125")``)."""
        return self._submit({"mobile": f"{str(country_code).lstrip('+')} {number}", "content": content})


class InternationalSmsClient(_InternationalSms, BaseClient):
    """One international SMS account (``I`` + 8 digits)."""


class AsyncInternationalSmsClient(_InternationalSms, AsyncBaseClient):
    """:class:`InternationalSmsClient` for asyncio."""

    if TYPE_CHECKING:
        async def send(self, country_code: str | int, number: str, content: str) -> Submitted: ...


class _Marketing(_Core):
    default_url = "http://api.yx.ihuyi.com"
    path = "/webservice/sms.php"
    api = MARKETING_API
    error_for = staticmethod(error_for)

    def send(self, mobiles: Sequence[str], content: str, *, send_at: str | None = None) -> Submitted:
        """Send ``content`` (signature and opt-out text included) to every mobile, now or at
        ``send_at`` (``YYYY-MM-DD HH:MM:SS``, Beijing time); one id for the batch."""
        if isinstance(mobiles, str):
            raise TypeError("mobiles is a sequence of numbers, not one string")
        return self._submit({"mobile": ",".join(mobiles), "content": content, "stime": send_at})


class MarketingClient(_Marketing, BaseClient):
    """One marketing SMS account (``M`` + 8 digits): one text to many mobiles, billed per number."""


class AsyncMarketingClient(_Marketing, AsyncBaseClient):
    """:class:`MarketingClient` for asyncio."""

    if TYPE_CHECKING:
        async def send(self, mobiles: Sequence[str], content: str, *, send_at: str | None = None) -> Submitted: ...


def _template_id(answer: Answer) -> int:
    return int(answer.value)
