"""The dynamic password of docs/contract.md §5, used by the server to check and the client to sign."""

from __future__ import annotations

import hashlib


def dynamic_password(account: str, apikey: str, time: str, mobile: str = "", content: str = "") -> str:
    """``md5(account + apikey + mobile + content + time)`` for Submit; GetNum leaves out
    ``mobile`` and ``content``. Plain concatenation, UTF-8, lower-case hex."""
    text = f"{account}{apikey}{mobile}{content}{time}"
    return hashlib.md5(text.encode("utf-8")).hexdigest()
