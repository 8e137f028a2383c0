"""The emulated service: state and business rules, no HTTP (moto's *backend* layer)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from .codes import Code
from .model import JournalEntry, Settings, masked
from .rules import decide
from .storage import Storage
from .wire import Answer, Method


class VoiceBackend:
    """Answers provider requests against a :class:`Storage`, journaling every one."""

    def __init__(self, storage: Storage, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        self.storage = storage
        self.settings = settings
        self.clock = clock

    def handle(self, method: Method, params: Mapping[str, str], client_ip: str) -> Answer:
        """Decide, apply and journal one request; the answer is only returned once it is durable."""
        now = self.clock()
        facts = self.storage.facts(params.get("account", ""), params.get("mobile", ""), client_ip)
        code = decide(method, params, facts, client_ip=client_ip, now=now, skew=self.settings.password_skew)
        entry = JournalEntry(now, client_ip, method, masked(dict(params)), int(code))
        if code is Code.OK and method == "Submit":
            voiceid = self.storage.deliver(entry, params["content"])
            if voiceid is not None:
                return Answer.of(method, code, voiceid)
            code = Code.BALANCE_EXHAUSTED
            entry = JournalEntry(now, client_ip, method, entry.params, int(code))
        self.storage.record(entry)
        balance = facts.account.balance if facts.account is not None else 0
        return Answer.of(method, code, str(balance))
