"""Replies and template reviews pushed to a real receiving HTTP server on loopback, by the same
dispatcher as delivery receipts: the documented fields, the retries, the attempt records."""

from __future__ import annotations

import time
import urllib.parse
from datetime import datetime, timedelta, timezone

import pytest
from tests.server.test_receipt_dispatch import receiver, submit
from tests.support import scenario_text

from ihuyi_sandbox.testing import SandboxAPI, SandboxError, running_sandbox, wait_until

MOBILE = "13812345678"
CHINA = timezone(timedelta(hours=8))


def scenario(tmp_path, reply_url: str, *, review: float = 0.0, retry: float = 1.0, receipt_url: str = "") -> str:
    path = tmp_path / "pushes.toml"
    settings = (f"template_review_seconds = {review}\nreceipt_retry_seconds = {retry}\n"
                "receipt_timeout_seconds = 1\nreceipt_delay_seconds = 0.2\n")
    account = f'reply_url = "{reply_url}"\n' + (f'receipt_url = "{receipt_url}"\n' if receipt_url else "")
    path.write_text(scenario_text(settings=settings, account=account))
    return str(path)


def test_a_reply_is_pushed_with_the_documented_fields_in_order(tmp_path):
    with receiver(["success"]) as r, running_sandbox("--db", str(tmp_path / "s.db"),
                                                   "--scenario", scenario(tmp_path, r.url)) as sandbox:
        voiceid = submit(sandbox, MOBILE)
        api = SandboxAPI(sandbox.url)
        before = time.time()
        reply = api.reply(MOBILE, "好的，收到 TD")
        assert reply["smsid"] == voiceid and reply["push"] is not None
        assert wait_until(lambda: r.count() == 1)
        _, form, body = r.received[0]
        assert list(form) == ["mobilephone", "content", "smsid", "reply_time"]
        assert (form["mobilephone"], form["content"], form["smsid"]) == (MOBILE, "好的，收到 TD", voiceid)
        sent = datetime.strptime(form["reply_time"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA).timestamp()
        assert before - 1 <= sent <= time.time() + 1  # Beijing time, to the second
        assert body.startswith(b"mobilephone=13812345678&content=" + urllib.parse.quote_plus("好的，收到 TD").encode())
        assert wait_until(lambda: api.receipts(kind="reply")[0]["status"] == "sent")
        (push,) = api.receipts(kind="reply")
        assert (push["id"], push["product"], push["account"]) == (reply["push"], "voice", "V00000001")
        (attempt,) = push["attempts"]
        assert (attempt["status"], attempt["body"], attempt["error"], attempt["url"]) == (200, "success", "", r.url)
        assert api.replies()[0]["content"] == "好的，收到 TD"


def test_a_reply_push_is_retried_like_a_receipt_and_then_given_up(tmp_path):
    with receiver(["fail"]) as r, running_sandbox("--db", str(tmp_path / "s.db"),
                                                "--scenario", scenario(tmp_path, r.url, retry=0.3)) as sandbox:
        api = SandboxAPI(sandbox.url)
        reply = api.reply("13700000000", "T")
        assert reply["smsid"] == ""  # nothing was delivered to that mobile
        assert wait_until(lambda: api.receipts(kind="reply")[0]["status"] == "failed", 10)
        times = [t for t, _, _ in r.received]
        assert len(times) == 3 and times[2] - times[1] > times[1] - times[0]
        assert [a["status"] for a in api.receipts(kind="reply")[0]["attempts"]] == [500, 500, 500]
        assert b"&smsid=&reply_time=" in r.received[0][2]  # the field is there, empty


def test_a_due_template_review_is_approved_by_the_dispatcher_and_pushed(tmp_path):
    with receiver(["success"]) as r, running_sandbox("--db", str(tmp_path / "s.db"),
                                                   "--scenario", scenario(tmp_path, r.url, review=0.5)) as sandbox:
        api = SandboxAPI(sandbox.url)
        template = api.add_template("voice", "您的验证码是【变量】", status="pending")
        assert template["status"] == "pending" and r.count() == 0
        assert wait_until(lambda: api.templates()[0]["status"] == "approved", 10)
        assert wait_until(lambda: r.count() == 1)
        _, form, _ = r.received[0]
        assert form == {"code": "2", "msg": "审核通过", "templateid": str(template["id"])}
        assert list(form) == ["code", "msg", "templateid"]
        (push,) = api.receipts(kind="template")
        assert (push["product"], push["account"], push["url"]) == ("voice", "V00000001", r.url)
        assert wait_until(lambda: api.receipts(kind="template")[0]["status"] == "sent")
        time.sleep(0.5)
        assert r.count() == 1  # reviewed once, pushed once
        approved = api.add_template("voice", "已通过【变量】")  # approved from the start: no review to push
        time.sleep(0.5)
        assert r.count() == 1 and api.templates()[-1]["id"] == approved["id"]


def test_a_rejection_from_the_sandbox_api_is_pushed_with_its_reason(tmp_path):
    with receiver(["fail", "success"]) as r, running_sandbox(
            "--db", str(tmp_path / "s.db"), "--scenario", scenario(tmp_path, r.url, review=3600, retry=0.3)) as sandbox:
        api = SandboxAPI(sandbox.url)
        template = api.add_template("voice", "中奖了【变量】", status="pending")
        rejected = api.review_template(template["id"], "rejected", "内容涉嫌诈骗")
        assert rejected["status"] == "rejected"
        assert wait_until(lambda: r.count() == 2, 10)
        assert [form for _, form, _ in r.received] == [
            {"code": "0", "msg": "内容涉嫌诈骗", "templateid": str(template["id"])}] * 2
        assert wait_until(lambda: api.receipts(kind="template")[0]["status"] == "sent")
        assert [a["status"] for a in api.receipts(kind="template")[0]["attempts"]] == [500, 200]
        with pytest.raises(SandboxError, match="HTTP 409: template .* is rejected"):
            api.review_template(template["id"], "approved")


def test_pushes_of_every_kind_are_listed_together_and_by_kind(tmp_path):
    with receiver(["success"]) as r, running_sandbox(
            "--db", str(tmp_path / "s.db"),
            "--scenario", scenario(tmp_path, r.url, review=3600, receipt_url=r.url)) as sandbox:
        api = SandboxAPI(sandbox.url)
        submit(sandbox, MOBILE)
        api.reply(MOBILE, "1")
        api.review_template(api.add_template("voice", "X【变量】", status="pending")["id"], "approved")
        assert wait_until(lambda: r.count() == 3, 10)
        assert [p["kind"] for p in api.receipts()] == ["template", "reply", "receipt"]
        assert {kind: len(api.receipts(kind=kind)) for kind in ("receipt", "reply", "template")} == {
            "receipt": 1, "reply": 1, "template": 1}
        assert {form.get("code", "reply") for _, form, _ in r.received} == {"1", "2", "reply"}


def test_reply_urls_follow_the_receipt_policy(tmp_path):
    with running_sandbox("--db", str(tmp_path / "a.db")) as sandbox:
        api = SandboxAPI(sandbox.url)
        port = sandbox.url.rsplit(":", 1)[1]
        with pytest.raises(SandboxError, match="reply URL .* is the sandbox's own address"):
            api.call("PATCH", "/_sandbox/accounts/V00000001", {"reply_url": f"http://127.0.0.1:{port}/_sandbox/reset"})
        with pytest.raises(SandboxError, match="neither loopback nor allowed"):
            api.call("POST", "/_sandbox/accounts", {"apiid": "V2", "apikey": "k",
                                                   "reply_url": "http://replies.example.com/hook"})
    with running_sandbox("--db", str(tmp_path / "b.db"), "--receipt-host", "replies.example.com") as sandbox:
        api = SandboxAPI(sandbox.url)
        changed = api.call("PATCH", "/_sandbox/accounts/V00000001", {"reply_url": "http://replies.example.com/hook"})
        assert changed["reply_url"] == "http://replies.example.com/hook"
