"""The inbox's workspace picker in a real browser (Debian's chromium) against a real serve:
the sandbox's own state by default, a workspace when the address or the picker names one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ihuyi_sandbox.client import SmsClient
from ihuyi_sandbox.testing import SandboxAPI, SandboxProcess, running_sandbox

from tests.api.browsing import browser, keep_screenshot, open_page  # noqa: F401 - the fixture
from playwright.sync_api import Browser, expect  # noqa: E402

TEXT = "您的验证码是：{}。请不要把验证码泄露给其他人。"


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[SandboxProcess]:
    with running_sandbox("--db", str(tmp_path / "s.db")) as sandbox:
        yield sandbox


def test_the_picker_shows_a_workspace_s_messages_and_the_address_keeps_the_choice(browser: Browser,
                                                                                  sandbox: SandboxProcess) -> None:
    workspace = SandboxAPI(sandbox.url).create_workspace("default")
    SmsClient("C00000001", workspace.apikey, sandbox.url).send("13800000001", TEXT.format("1111"))
    sms = next(a["apiid"] for a in workspace.accounts if a["apiid"].startswith("C"))
    SmsClient(sms, workspace.apikey, sandbox.url).send("13800000002", TEXT.format("2222"))
    errors: list[str] = []
    page = open_page(browser, f"{sandbox.url}/_sandbox/", errors)
    codes = page.get_by_test_id("message-code")
    expect(codes).to_have_text(["1111"])

    page.get_by_test_id("workspace").focus()
    page.get_by_test_id("workspace").select_option(workspace.workspace)

    expect(codes).to_have_text(["2222"])
    expect(page.get_by_test_id("live")).to_have_text("live")  # its own events, heard at once
    assert f"workspace={workspace.workspace}" in page.url
    keep_screenshot(page, "inbox-workspace")
    page.reload()
    expect(codes).to_have_text(["2222"])
    expect(page.get_by_test_id("workspace")).to_have_value(workspace.workspace)
    page.get_by_test_id("workspace").select_option("")
    expect(codes).to_have_text(["1111"])
    page.context.close()
    assert errors == []
