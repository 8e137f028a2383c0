"""A small client of the ihuyi APIs (voice codes, SMS, international and marketing SMS, voice
notice), for the real service and the sandbox.

    client = VoiceClient("V00000001", "0123456789abcdef0123456789abcdef")
    result = client.send_code("13812345678", "1234")    # SubmitResult(voiceid=..., code=2, ...)
    left = client.balance()

Each has an asyncio twin (``AsyncVoiceClient``, ``AsyncSmsClient``...) with the same methods as
coroutines, the same options, errors and retry policy: ``await client.send_code(...)``.

The blocking clients use only the standard library and the package's own ``wire/`` and product
codes, so an application can import this module without Flask or anything else of the server;
the asyncio ones need httpx as well (``pip install 'ihuyi-sandbox[async]'``), imported only when
one is made.

Retry policy: **the client retries nothing.** Submit is not idempotent: once the request has left
this machine the call may be placed and charged even if the answer is lost (a timeout, a reset, a
5xx from a gateway after the service answered, a spoiled body), and a second Submit would ring the
user twice. Only the caller knows whether that is acceptable, so every failure is raised at once;
:attr:`TransportError.request_sent` says whether the request had been sent (``False``: the service
never saw it, retrying is safe). GetNum is harmless to repeat, but it is not retried either, so
that one rule holds for every method and a failure is never slower than ``timeout``.
"""

from __future__ import annotations

from ..products.voice.receipts import DeliveryReceipt, parse_receipt
from ._base import AsyncBaseClient, BaseClient, Submitted
from .sms import (AsyncInternationalSmsClient, AsyncMarketingClient, AsyncSmsClient, InternationalSmsClient,
                  MarketingClient, SmsClient)
from .voice import DEFAULT_URL, AsyncVoiceClient, SubmitResult, VoiceClient, parse_answer
from .voice_notice import AsyncVoiceNoticeClient, VoiceNoticeClient

__all__ = ["DEFAULT_URL", "AsyncBaseClient", "AsyncInternationalSmsClient", "AsyncMarketingClient", "AsyncSmsClient",
           "AsyncVoiceClient", "AsyncVoiceNoticeClient", "BaseClient", "DeliveryReceipt", "InternationalSmsClient",
           "MarketingClient", "SmsClient", "SubmitResult", "Submitted", "VoiceClient", "VoiceNoticeClient",
           "parse_answer", "parse_receipt"]
