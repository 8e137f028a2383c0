"""The web inbox at /_sandbox/ in a real browser (Debian's chromium, driven by Playwright) against
a real ``ihuyi-sandbox serve``."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import DEMO
from ihuyi_sandbox.testing import SandboxProcess, running_sandbox

from tests.api.browsing import browser, open_page  # noqa: F401 - the fixture
from playwright.sync_api import Browser, Page, expect  # noqa: E402

MOBILE = "13812345678"
TOKEN = "s3cret"


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[SandboxProcess]:
    with running_sandbox("--db", str(tmp_path / "s.db")) as sandbox:
        yield sandbox


def open_inbox(browser: Browser, url: str, errors: list[str], **context: object) -> Page:
    return open_page(browser, url, errors, **context)


@pytest.fixture
def page(browser: Browser, sandbox: SandboxProcess) -> Iterator[Page]:
    """The inbox, open; the test fails on any console error it caused."""
    errors: list[str] = []
    page = open_inbox(browser, f"{sandbox.url}/_sandbox/", errors)
    expect(page.get_by_test_id("messages-page")).to_have_text("newest · live")
    yield page
    page.context.close()
    assert errors == []


def submit(sandbox: SandboxProcess, content: str, mobile: str = MOBILE) -> int:
    status, _, body = sandbox.call("Submit", {**DEMO, "mobile": mobile, "content": content})
    assert status == 200
    return int(body.split(b"<code>")[1].split(b"</code>")[0])


def test_page_loads_without_console_errors(page: Page) -> None:
    expect(page).to_have_title("ihuyi sandbox · inbox")
    expect(page.get_by_test_id("messages-empty")).to_be_visible()
    page.wait_for_timeout(2500)  # a few polls, each of which could log an error


def test_delivery_appears_on_the_open_page(page: Page, sandbox: SandboxProcess) -> None:
    page.evaluate("window.notReloaded = true")
    assert submit(sandbox, "482913") == 2
    message = page.get_by_test_id("message")
    expect(message).to_have_count(1)
    expect(message.get_by_test_id("message-code")).to_have_text("482913")
    expect(message.get_by_test_id("message-mobile")).to_have_text(MOBILE)
    expect(message.get_by_test_id("message-account")).to_have_text(DEMO["account"])
    expect(message.get_by_test_id("message-voiceid")).to_have_text(re.compile(r"^\d{20}$"))
    expect(message.get_by_test_id("message-product")).to_have_text("voice")
    expect(message.get_by_test_id("message-text")).to_have_count(0)  # voice's text is the code itself
    assert page.evaluate("window.notReloaded") is True
    # 32 px or more, read with retries (a card whose receipt changes is drawn anew)
    expect(message.get_by_test_id("message-code")).to_have_css("font-size", re.compile(r"^(3[2-9]|[4-9]\d|\d{3,})(\.\d+)?px$"))


def test_a_card_already_shown_is_kept_as_the_list_changes(page: Page, sandbox: SandboxProcess) -> None:
    """A poll draws only what changed: a code selected to copy stays selected as others arrive
    above it and as a card above it goes."""
    assert submit(sandbox, "482913") == 2
    assert submit(sandbox, "1111", mobile="13998765432") == 2
    code = page.get_by_test_id("message-code")
    expect(code).to_have_text(["1111", "482913"])
    code.nth(1).evaluate(
        "node => { node.dataset.marked = 'yes'; const range = document.createRange();"
        " range.selectNodeContents(node); getSelection().removeAllRanges(); getSelection().addRange(range); }"
    )
    assert submit(sandbox, "5555", mobile="13998765432") == 2
    expect(code).to_have_text(["5555", "1111", "482913"])
    assert code.nth(2).evaluate("node => node.dataset.marked") == "yes"
    assert page.evaluate("getSelection().toString()") == "482913"
    above = page.get_by_test_id("message").nth(1).get_attribute("data-id")
    request = urllib.request.Request(f"{sandbox.url}/_sandbox/messages/{above}", method="DELETE")
    with urllib.request.urlopen(request, timeout=10) as deleted:
        assert deleted.status == 200
    expect(code).to_have_text(["5555", "482913"])
    assert code.nth(1).evaluate("node => node.dataset.marked") == "yes"
    assert page.evaluate("getSelection().toString()") == "482913"


def test_messages_filter_by_mobile(page: Page, sandbox: SandboxProcess) -> None:
    submit(sandbox, "1111")
    submit(sandbox, "2222", mobile="13998765432")
    expect(page.get_by_test_id("message")).to_have_count(2)
    page.get_by_test_id("filter-mobile").fill("13998765432")
    expect(page.get_by_test_id("message")).to_have_count(1)
    expect(page.get_by_test_id("message-code")).to_have_text("2222")
    submit(sandbox, "3333", mobile=MOBILE)
    submit(sandbox, "4444", mobile="13998765432")
    expect(page.get_by_test_id("message-code")).to_have_text(["4444", "2222"])


def test_requests_tab_shows_the_refused_request(page: Page, sandbox: SandboxProcess) -> None:
    assert submit(sandbox, "12") == 4070
    assert submit(sandbox, "123456") == 2
    page.get_by_test_id("tab-requests").click()
    requests = page.get_by_test_id("request")
    expect(requests).to_have_count(2)
    refused = requests.nth(1)
    expect(refused.get_by_test_id("request-code")).to_have_text("4070")
    expect(refused.get_by_test_id("request-message")).to_have_text("语音验证码内容必须为4-6位数字")
    expect(refused.get_by_test_id("request-method")).to_have_text("Submit")
    expect(refused.get_by_test_id("request-mobile")).to_have_text(MOBILE)
    expect(refused.get_by_test_id("request-account")).to_have_text(DEMO["account"])
    expect(refused.get_by_test_id("request-ip")).to_have_text("127.0.0.1")
    page.get_by_test_id("filter-code").fill("4070")
    expect(requests).to_have_count(1)
    expect(page.get_by_test_id("request-code")).to_have_text("4070")
    page.get_by_test_id("filter-code").fill("")
    page.get_by_test_id("filter-method").select_option("GetNum")
    expect(page.get_by_test_id("requests-empty")).to_be_visible()


def test_text_is_never_markup(page: Page, sandbox: SandboxProcess) -> None:
    hostile = '<img src=x onerror="document.title=1">'
    assert submit(sandbox, "1234", mobile=hostile) == 406
    page.get_by_test_id("tab-requests").click()
    expect(page.get_by_test_id("request-mobile")).to_have_text(hostile)
    expect(page.locator("#requests-list img")).to_have_count(0)


def test_accounts_tab_shows_the_balance(page: Page, sandbox: SandboxProcess) -> None:
    assert submit(sandbox, "482913") == 2
    page.get_by_test_id("tab-accounts").click()
    account = page.locator('[data-testid=account][data-apiid="V00000001"]')
    expect(account.get_by_test_id("account-balance")).to_have_text("999")
    expect(account.get_by_test_id("account-state")).to_have_text("active")
    expect(account.get_by_test_id("account-ips")).to_have_text("any")


def test_switch_scenario_and_reset(browser: Browser, tmp_path: Path) -> None:
    with running_sandbox("--db", str(tmp_path / "s.db"), "--workers", "2") as sandbox:
        errors: list[str] = []
        page = open_inbox(browser, f"{sandbox.url}/_sandbox/", errors)
        page.get_by_test_id("tab-scenario").click()
        expect(page.get_by_test_id("scenario-name")).to_have_text("default")
        page.get_by_test_id("scenario-select").select_option("insufficient-balance")
        page.get_by_test_id("scenario-switch").click()
        expect(page.get_by_test_id("scenario-name")).to_have_text("insufficient-balance")
        page.get_by_test_id("tab-accounts").click()
        balance = page.get_by_test_id("account-balance")
        expect(balance).to_have_text(["3"])
        assert submit(sandbox, "1234") == 2
        expect(balance).to_have_text(["2"])  # the accounts tab follows, too
        page.get_by_test_id("tab-messages").click()
        expect(page.get_by_test_id("message")).to_have_count(1)
        page.get_by_test_id("tab-scenario").click()
        page.get_by_test_id("scenario-reset").click()
        expect(page.get_by_test_id("scenario-status")).to_contain_text("Reset insufficient-balance")
        page.get_by_test_id("tab-accounts").click()
        expect(balance).to_have_text(["3"])
        page.get_by_test_id("tab-messages").click()
        expect(page.get_by_test_id("messages-empty")).to_be_visible()
        page.context.close()
        assert errors == []


def test_follows_a_reset_made_elsewhere(page: Page, sandbox: SandboxProcess) -> None:
    """A reset restarts the ids, so following with ``after=<newest id>`` alone would miss what comes next."""
    for content in ("1111", "2222", "3333"):
        submit(sandbox, content)
    expect(page.get_by_test_id("message")).to_have_count(3)
    urllib.request.urlopen(urllib.request.Request(f"{sandbox.url}/_sandbox/reset", method="POST"), timeout=10).close()
    submit(sandbox, "4444")
    expect(page.get_by_test_id("message-code")).to_have_text(["4444"], timeout=15_000)


def test_paging_older_and_newer(page: Page, sandbox: SandboxProcess) -> None:
    for n in range(120):
        assert submit(sandbox, str(1000 + n)) == 2
    codes = page.get_by_test_id("message-code")
    newest = [str(n) for n in range(1119, 1069, -1)]
    expect(codes).to_have_text(newest)  # followed live, still one page
    page.get_by_test_id("messages-older").click()
    expect(codes).to_have_text([str(n) for n in range(1069, 1019, -1)])
    page.get_by_test_id("messages-older").click()
    expect(codes).to_have_text([str(n) for n in range(1019, 999, -1)])
    expect(page.get_by_test_id("messages-older")).to_be_disabled()
    page.get_by_test_id("messages-newer").click()
    expect(codes).to_have_text([str(n) for n in range(1069, 1019, -1)])
    page.get_by_test_id("messages-newer").click()
    expect(codes).to_have_text(newest)
    expect(page.get_by_test_id("messages-newer")).to_be_disabled()


def test_fits_a_phone_screen(browser: Browser, sandbox: SandboxProcess) -> None:
    assert submit(sandbox, "482913") == 2
    assert submit(sandbox, "12") == 4070
    errors: list[str] = []
    page = open_inbox(browser, f"{sandbox.url}/_sandbox/", errors, viewport={"width": 390, "height": 844},
                      device_scale_factor=3, is_mobile=True, has_touch=True)
    expect(page.get_by_test_id("message-code")).to_have_text("482913")
    for tab, shown in (("messages", "message"), ("requests", "request"), ("accounts", "account"),
                       ("scenario", "scenario-rules")):
        page.get_by_test_id(f"tab-{tab}").click()
        expect(page.get_by_test_id(shown).first).to_be_attached()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, tab
    page.context.close()
    assert errors == []


def test_admin_token(browser: Browser, tmp_path: Path) -> None:
    with running_sandbox("--db", str(tmp_path / "s.db"), "--admin-token", TOKEN) as sandbox:
        assert submit(sandbox, "482913") == 2
        page = open_inbox(browser, f"{sandbox.url}/_sandbox/", [])
        form = page.get_by_test_id("token-form")
        expect(form).to_be_visible()
        page.get_by_test_id("token-input").fill("wrong")
        page.get_by_test_id("token-submit").click()
        expect(page.get_by_test_id("token-note")).to_have_text("That token was refused.")
        page.get_by_test_id("token-input").fill(TOKEN)
        page.get_by_test_id("token-submit").click()
        expect(form).to_be_hidden()
        expect(page.get_by_test_id("message-code")).to_have_text("482913")
        assert submit(sandbox, "135790") == 2
        expect(page.get_by_test_id("message-code")).to_have_text(["135790", "482913"])
        page.context.close()

        # the token in the URL's fragment: used, then taken out of the address bar
        page = open_inbox(browser, f"{sandbox.url}/_sandbox/#token={TOKEN}", [])
        expect(page.get_by_test_id("message-code")).to_have_text(["135790", "482913"])
        expect(page.get_by_test_id("token-form")).to_be_hidden()
        assert page.url == f"{sandbox.url}/_sandbox/"
        page.context.close()


def test_each_call_shows_its_outcome_and_receipt_status(page: Page, sandbox: SandboxProcess) -> None:
    from ihuyi_sandbox.testing import SandboxAPI

    api = SandboxAPI(sandbox.url)
    # a receiver nobody listens on: the receipt stays pending (its first attempt is 3 s away)
    api.call("PATCH", "/_sandbox/accounts/V00000001", {"receipt_url": "http://127.0.0.1:9/receipts"})
    assert submit(sandbox, "7788", mobile="13900020003") == 2  # the default scenario's "busy" number
    message = page.get_by_test_id("message")
    expect(message).to_have_count(1)
    expect(message.get_by_test_id("message-outcome")).to_have_text("busy")
    expect(message.get_by_test_id("message-receipt")).to_have_text("pending")


def test_messages_and_requests_filter_by_product(page: Page, sandbox: SandboxProcess) -> None:
    from ihuyi_sandbox.testing import SandboxAPI

    names = [p["name"] for p in SandboxAPI(sandbox.url).products()]
    assert submit(sandbox, "1357") == 2
    notice = {"account": "VM00000001", "password": DEMO["password"], "mobile": MOBILE, "content": "9633|顺风快递",
              "templateid": "1361"}
    assert sandbox.call("Submit", notice)[0] == 200
    expect(page.get_by_test_id("message")).to_have_count(2)
    expect(page.get_by_test_id("message-product")).to_have_text(["voice_notice", "voice"])
    # a text that is more than its code is shown whole, under it
    expect(page.get_by_test_id("message-text")).to_have_text(["您的订单号是：9633。已由顺风快递发出，请注意查收。"])
    expect(page.get_by_test_id("message-code")).to_have_text(["9633", "1357"])
    products = page.get_by_test_id("filter-message-product")
    expect(products.locator("option")).to_have_text(["any", *names])
    products.select_option("voice")
    expect(page.get_by_test_id("message")).to_have_count(1)
    expect(page.get_by_test_id("message-product")).to_have_text("voice")
    assert submit(sandbox, "2468") == 2
    expect(page.get_by_test_id("message-code")).to_have_text(["2468", "1357"])  # followed, filtered
    page.get_by_test_id("tab-requests").click()
    methods = list(dict.fromkeys(m for p in SandboxAPI(sandbox.url).products() for m in p["methods"]))
    expect(page.get_by_test_id("filter-method").locator("option")).to_have_text(["any", *methods])
    expect(page.get_by_test_id("request")).to_have_count(3)
    page.get_by_test_id("filter-request-product").select_option("voice")
    expect(page.get_by_test_id("request")).to_have_count(2)
    expect(page.get_by_test_id("request-product")).to_have_text(["voice", "voice"])
    page.get_by_test_id("filter-request-product").select_option("voice_notice")
    expect(page.get_by_test_id("request-product")).to_have_text(["voice_notice"])


def test_a_delivered_text_is_shown_as_text_never_as_markup(browser: Browser, tmp_path: Path) -> None:
    hostile = '<img src=x onerror="document.title=1"><b>1234</b>'
    scenario = tmp_path / "hostile.toml"
    scenario.write_text(f'name = "hostile"\ndescription = "delivers anything"\n'
                        f'[[accounts]]\napiid = "V00000001"\napikey = "{DEMO["password"]}"\nbalance = 10\n'
                        f'[[accounts]]\napiid = "VM00000001"\napikey = "{DEMO["password"]}"\nbalance = 10\n'
                        f'[[templates]]\naccount = "VM00000001"\nproduct = "voice_notice"\ncontent = \'{hostile}\'\n'
                        f'[[rules]]\nmobile = "{MOBILE}"\ncode = 2\n')
    with running_sandbox("--db", str(tmp_path / "s.db"), "--scenario", str(scenario)) as sandbox:
        errors: list[str] = []
        page = open_inbox(browser, f"{sandbox.url}/_sandbox/", errors)
        assert submit(sandbox, hostile) == 2  # a forced success delivers whatever content it had
        expect(page.get_by_test_id("message-code")).to_have_text(hostile)
        # a voice notice following a template of markup: its whole text shown under the code
        notice = {"account": "VM00000001", "password": DEMO["password"], "mobile": "13912345678", "content": hostile}
        assert b"<code>2</code>" in sandbox.call("Submit", notice)[2]
        expect(page.get_by_test_id("message-text")).to_have_text([hostile])
        expect(page.get_by_test_id("message-code")).to_have_text(["1234", hostile])  # the text's first 4 to 8 digits
        expect(page.locator("#messages-list img, #messages-list b")).to_have_count(0)
        assert page.title() == "ihuyi sandbox · inbox"
        page.context.close()
        assert errors == []


def test_accounts_tab_shows_products_reply_url_and_limits(page: Page, sandbox: SandboxProcess) -> None:
    from ihuyi_sandbox.testing import SandboxAPI

    page.get_by_test_id("tab-accounts").click()
    account = page.locator('[data-testid=account][data-apiid="V00000001"]')
    expect(account.get_by_test_id("account-products")).to_have_text("by its APIID")
    expect(account.get_by_test_id("account-reply-url")).to_have_text("none")
    expect(account.get_by_test_id("account-limits")).to_have_text("none")
    SandboxAPI(sandbox.url).call("PATCH", "/_sandbox/accounts/V00000001", {
        "products": ["voice"], "reply_url": "http://127.0.0.1:9/replies", "limits": {"per_day": 5, "per_second": 1}})
    expect(account.get_by_test_id("account-products")).to_have_text("voice")
    expect(account.get_by_test_id("account-reply-url")).to_have_text("http://127.0.0.1:9/replies")
    expect(account.get_by_test_id("account-limits")).to_have_text("per second 1, per day 5")
    expect(page.locator("[data-testid=account]")).to_have_count(5)  # a demo account per product
