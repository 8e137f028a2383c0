"""The inbox's views in Debian's chromium against a served sandbox: the detail of a message and of
a request, deleting, searching, spoiled answers, the scenario's rules, times with their zone, the
version and the docs link, live updates pushed by the server; and a screenshot of every tab and of
the detail view, desktop and phone (tests/api/browsing.py says where they go)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator

import pytest
from tests.support import DEMO

from ihuyi_sandbox import __version__
from ihuyi_sandbox.testing import SandboxAPI, SandboxProcess, running_sandbox
from tests.api.browsing import DESKTOP, PHONE, browser, keep_screenshot, open_page  # noqa: F401 - the fixture
from playwright.sync_api import Browser, Page, expect  # noqa: E402

SMS = {"account": "C00000001", "password": DEMO["password"]}
MOBILE = "13812345678"


@pytest.fixture
def sandbox(tmp_path) -> Iterator[SandboxProcess]:
    with running_sandbox("--db", str(tmp_path / "s.db")) as sandbox:
        yield sandbox


@pytest.fixture
def page(browser: Browser, sandbox: SandboxProcess) -> Iterator[Page]:
    errors: list[str] = []
    page = open_page(browser, f"{sandbox.url}/_sandbox/", errors, timezone_id="Asia/Shanghai")
    expect(page.get_by_test_id("live")).to_have_text("live")
    yield page
    page.context.close()
    assert errors == []


def voice(sandbox: SandboxProcess, mobile: str = MOBILE, content: str = "1234") -> None:
    sandbox.call("Submit", {**DEMO, "mobile": mobile, "content": content})


def sms(sandbox: SandboxProcess, mobile: str, code: str) -> None:
    sandbox.call("Submit", {**SMS, "mobile": mobile, "content": code, "templateid": "1"}, path="/webservice/sms.php")


def test_updates_are_pushed_with_no_poll(page: Page, sandbox: SandboxProcess) -> None:
    # the stream's first event, sent as it opens, makes the page look once: on a loaded machine
    # that look can come after the page shows itself live, so the watch starts after it
    page.wait_for_timeout(1500)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.wait_for_timeout(3500)  # a page that polled would have asked a few times by now
    assert asked == []
    voice(sandbox, content="482913")
    expect(page.get_by_test_id("message-code")).to_have_text(["482913"])
    assert all(not url.endswith("/events") for url in asked)  # the one stream stayed open throughout


def test_the_header_has_the_version_the_docs_and_the_zone(page: Page) -> None:
    expect(page.get_by_test_id("version")).to_have_text(f"ihuyi-sandbox {__version__}")
    expect(page.get_by_test_id("docs-link")).to_have_attribute("href", "docs")
    expect(page.get_by_test_id("zone")).to_have_text("Times are this browser's: Asia/Shanghai, UTC+08:00.")


def test_times_carry_their_zone(page: Page, sandbox: SandboxProcess) -> None:
    voice(sandbox)
    time = page.get_by_test_id("message-time")
    expect(time).to_have_text(re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\+08:00$"))
    assert time.locator("time").get_attribute("title").endswith("Z (UTC)")


def test_search_by_mobile_prefix_and_by_text(page: Page, sandbox: SandboxProcess) -> None:
    voice(sandbox, "13812345678", "1111")
    voice(sandbox, "13998765432", "2222")
    sms(sandbox, "13712340000", "4821")
    codes = page.get_by_test_id("message-code")
    expect(codes).to_have_count(3)
    page.get_by_test_id("filter-mobile").fill("139")
    expect(codes).to_have_text(["2222"])
    page.get_by_test_id("filter-mobile").fill("")
    page.get_by_test_id("filter-text").fill("泄露给其他人")
    expect(codes).to_have_text(["4821"])
    page.get_by_test_id("filter-text").fill("")
    page.get_by_test_id("tab-requests").click()
    page.get_by_test_id("filter-request-mobile").fill("1381")
    expect(page.get_by_test_id("request-mobile")).to_have_text(["13812345678"])


def test_spoiled_deliveries_are_marked(page: Page, sandbox: SandboxProcess) -> None:
    for mobile in ("13900011003", "13900011004", "13900011005", MOBILE):
        voice(sandbox, mobile)
    messages = page.get_by_test_id("message")
    expect(messages).to_have_count(4)
    expect(page.get_by_test_id("message-fault")).to_have_text(["answer empty", "answer malformed",
                                                              "answer truncated"])
    expect(messages.first.get_by_test_id("message-fault")).to_have_count(0)


def test_the_detail_of_a_message_and_deleting_it(page: Page, sandbox: SandboxProcess) -> None:
    voice(sandbox, "13900011003", "5678")  # truncated
    voice(sandbox, MOBILE, "1234")
    sent = SandboxAPI(sandbox.url).requests(mobile="13900011003")[0]
    page.locator("[data-testid=message]", has_text="13900011003").click()
    detail = page.get_by_test_id("detail")
    expect(detail).to_be_visible()
    expect(page.get_by_test_id("detail-title")).to_contain_text("to 13900011003")
    expect(page.get_by_test_id("detail-fault")).to_have_text("truncated: truncated")
    expect(page.get_by_test_id("detail-outcome")).to_have_text("answered")
    expect(page.get_by_test_id("detail-params")).to_contain_text("password***")
    expect(page.get_by_test_id("detail-params")).not_to_contain_text(DEMO["password"])
    answer = SandboxAPI(sandbox.url).call("GET", f"/_sandbox/requests/{sent['id']}")["answer"]
    expect(page.get_by_test_id("detail-answer")).to_have_text(answer["text"])
    assert answer["text"].startswith("<?xml") and "</SubmitResult>" not in answer["text"]
    expect(page.get_by_test_id("detail-receipts")).to_have_text("No receipt: the account has no receipt URL.")
    page.get_by_test_id("detail-delete").click()
    expect(detail).to_be_hidden()
    expect(page.get_by_test_id("message-code")).to_have_text(["1234"])
    assert [m["text"] for m in SandboxAPI(sandbox.url).messages()] == ["1234"]


def test_the_detail_of_a_request_shows_its_receipt_attempts(page: Page, sandbox: SandboxProcess) -> None:
    api = SandboxAPI(sandbox.url)
    api.call("PATCH", "/_sandbox/accounts/V00000001", {"receipt_url": "http://127.0.0.1:9/receipts"})
    voice(sandbox, "13900020003")  # busy
    api.flush_receipts()
    page.get_by_test_id("tab-requests").click()
    page.get_by_test_id("request").first.click()
    expect(page.get_by_test_id("detail-code")).to_have_text("2 提交成功")
    expect(page.get_by_test_id("detail-outcome")).to_have_text("busy")
    expect(page.get_by_test_id("detail-answer")).to_contain_text("<code>2</code>")
    expect(page.get_by_test_id("detail-receipts")).to_contain_text("Receipt to http://127.0.0.1:9/receipts")
    page.get_by_test_id("detail-back").click()
    expect(page.get_by_test_id("requests-panel")).to_be_visible()


def test_each_rule_with_the_mobiles_that_trigger_it(page: Page) -> None:
    page.get_by_test_id("tab-scenario").click()
    rule = page.get_by_test_id("scenario-rule").filter(has_text="truncated body")
    expect(rule.get_by_test_id("rule-mobiles")).to_have_text("13900011003, 86 13900011003")
    expect(rule.get_by_test_id("rule-does")).to_have_text("fault truncated")
    magic = page.get_by_test_id("scenario-rule").first
    expect(magic.get_by_test_id("rule-name")).to_have_text("magic codes")
    expect(magic.get_by_test_id("rule-mobiles")).to_have_text("1390000…")


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_screenshots_of_every_tab_and_the_detail(browser: Browser, sandbox: SandboxProcess, device: str) -> None:
    """Chinese text among them, drawn in the CJK font the test command installs (fonts-wqy-zenhei),
    which chromium finds through fontconfig."""
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
    assert fonts.strip(), "no Chinese font: apt-get install fonts-wqy-zenhei (the README's test command does)"
    voice(sandbox, MOBILE, "482913")
    sms(sandbox, "13712340000", "4821")
    voice(sandbox, "13900011003", "5678")
    voice(sandbox, MOBILE, "12")  # 4070
    sandbox.call("Submit", {"account": "VM00000001", "password": DEMO["password"], "mobile": MOBILE,
                            "content": "9633|顺风快递", "templateid": "1361"})
    errors: list[str] = []
    size = DESKTOP if device == "desktop" else PHONE
    page = open_page(browser, f"{sandbox.url}/_sandbox/", errors, timezone_id="Asia/Shanghai", **size)
    expect(page.get_by_test_id("message")).to_have_count(4)
    width = size["viewport"]["width"]
    for tab, shown in (("messages", "message"), ("requests", "request"), ("accounts", "account"),
                       ("scenario", "scenario-rule")):
        page.get_by_test_id(f"tab-{tab}").click()
        expect(page.get_by_test_id(shown).first).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width, tab
        keep_screenshot(page, f"inbox-{tab}-{device}")
    page.get_by_test_id("tab-messages").click()
    page.locator("[data-testid=message]", has_text="顺风快递").click()
    expect(page.get_by_test_id("detail-answer")).to_contain_text("提交成功")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    keep_screenshot(page, f"inbox-detail-{device}")
    page.context.close()
    assert errors == []
