"""The journal and the inbox stay bounded on a long-lived sandbox."""

from __future__ import annotations

from helpers import DEMO, serve_process

from ihuyi_sandbox.testing import SandboxAPI, wait_until

OK = {**DEMO, "content": "1234"}


def test_the_newest_requests_are_kept_and_the_rest_pruned(tmp_path):
    with serve_process("--db", str(tmp_path / "s.db"), "--keep-requests", "20", "--workers", "2") as sandbox:
        for i in range(60):
            sandbox.call("Submit", {**OK, "mobile": f"1381234{i:04d}"})
        api = SandboxAPI(sandbox.url)
        assert wait_until(lambda: len(api.requests(limit=1000)) == 20, 15)
        kept = api.messages(limit=1000)
        assert len(kept) == 20 and kept[0]["mobile"] == "13812340059" and kept[-1]["mobile"] == "13812340040"
        assert api.latest_code("13812340059") == "1234"
        assert api.get_account()["balance"] == 1000 - 60  # pruning forgets history, never balances


def test_requests_older_than_the_age_limit_are_pruned(tmp_path):
    with serve_process("--db", str(tmp_path / "s.db"), "--keep-days", "0.00003") as sandbox:  # about 2.6 s
        sandbox.call("Submit", {**OK, "mobile": "13812345678"})
        api = SandboxAPI(sandbox.url)
        assert len(api.messages()) == 1
        assert wait_until(lambda: api.messages() == [] and api.requests() == [], 15)
