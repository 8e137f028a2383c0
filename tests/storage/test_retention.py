"""The journal and the inbox stay bounded on a long-lived sandbox."""

from __future__ import annotations

from tests.support import DEMO
from ihuyi_sandbox.testing import running_sandbox

from ihuyi_sandbox.service.records import Account, JournalEntry, Seed
from ihuyi_sandbox.storage import open_storage
from ihuyi_sandbox.testing import SandboxAPI, wait_until

OK = {**DEMO, "content": "1234"}


def test_the_newest_requests_are_kept_and_the_rest_pruned(db_url):
    with running_sandbox("--db", db_url, "--keep-requests", "20", "--workers", "2") as sandbox:
        for i in range(60):
            sandbox.call("Submit", {**OK, "mobile": f"1381234{i:04d}"})
        api = SandboxAPI(sandbox.url)
        assert wait_until(lambda: len(api.requests(limit=1000)) == 20, 15)
        kept = api.messages(limit=1000)
        assert len(kept) == 20 and kept[0]["mobile"] == "13812340059" and kept[-1]["mobile"] == "13812340040"
        assert api.latest_code("13812340059") == "1234"
        assert api.get_account()["balance"] == 1000 - 60  # pruning forgets history, never balances


def test_requests_older_than_the_age_limit_are_pruned(db_url):
    with running_sandbox("--db", db_url, "--keep-days", "0.00003") as sandbox:  # about 2.6 s
        sandbox.call("Submit", {**OK, "mobile": "13812345678"})
        api = SandboxAPI(sandbox.url)
        assert len(api.messages()) == 1
        assert wait_until(lambda: api.messages() == [] and api.requests() == [], 15)


def test_pruning_keeps_what_both_bounds_keep_and_deliveries_go_with_their_requests(db_url):
    storage = open_storage(db_url)
    storage.reset(Seed(accounts=(Account("A1", "k", 100),)))
    start = 1_700_000_000.0
    for i in range(10):  # one request a minute; the even ones delivered
        params = {"account": "A1", "mobile": f"138000000{i:02d}", "content": "1234"}
        entry = JournalEntry(start + 60 * i, "127.0.0.1", "Submit", params, code=2 if i % 2 == 0 else 4070)
        if i % 2 == 0:
            storage.deliver(entry)
        else:
            storage.record(entry)

    def kept() -> tuple[list[float], list[str]]:
        return (sorted(e.time for e in storage.journal(limit=100)),
                sorted(d.mobile for d in storage.deliveries(limit=100)))

    assert storage.prune(keep=7, before=start) == 3  # the count bounds: the 7 newest stay
    assert kept() == ([start + 60 * i for i in range(3, 10)], ["13800000004", "13800000006", "13800000008"])
    assert storage.prune(keep=7, before=start + 60 * 6) == 3  # now the age bounds: from minute 6 on
    assert kept() == ([start + 60 * i for i in range(6, 10)], ["13800000006", "13800000008"])
    assert storage.prune(keep=100, before=start + 3600) == 4  # all too old
    assert kept() == ([], [])
    assert storage.prune(keep=100, before=start + 3600) == 0  # and nothing left to do
    assert storage.account("A1").balance == 100 - 5  # type: ignore[union-attr]  # history goes, balances stay
