"""``SandboxAPI`` against a served sandbox: what was sent per product, replies, templates."""

from __future__ import annotations

import pytest
from tests.support import DEMO

from ihuyi_sandbox.testing import SandboxAPI, SandboxError, running_sandbox, wait_until


def test_the_sandbox_api_client_reaches_every_family_surface(tmp_path):
    with running_sandbox("--db", str(tmp_path / "s.db")) as sandbox:
        api = SandboxAPI(sandbox.url)
        assert "voice" in [p["name"] for p in api.products()]
        sandbox.call("Submit", {**DEMO, "mobile": "13812345678", "content": "2468"})
        assert api.latest_code("13812345678", product="voice") == "2468"
        latest = api.latest_message("13812345678", wait=1)
        assert (latest["content"], latest["code"], latest["product"]) == ("2468", "2468", "voice")
        with pytest.raises(SandboxError, match="HTTP 400: product must be one of"):
            api.latest_code("13812345678", product="fax")
        assert [m["code"] for m in api.messages(product="voice")] == ["2468"]
        assert [r["product"] for r in api.requests(product="voice")] == ["voice"]
        reply = api.reply("13812345678", "TD")
        assert api.replies(mobile="13812345678") == [{k: v for k, v in reply.items() if k != "push"}]
        assert reply["push"] is None and reply["smsid"] == latest["voiceid"]
        # the default scenario reviews a pending template at once: the dispatcher approves it
        template = api.add_template("voice", "您好【变量】", status="pending")
        assert wait_until(lambda: api.templates(status="approved") and
                          api.templates(status="approved")[0]["id"] == template["id"], 10)
        rejected = api.add_template("voice", "别的【变量】", status="rejected")
        assert [t["id"] for t in api.templates(status="rejected")] == [rejected["id"]]
        with pytest.raises(SandboxError, match="HTTP 409"):
            api.review_template(template["id"], "rejected", "too late")
