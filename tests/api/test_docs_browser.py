"""``/_sandbox/docs`` in Debian's chromium: the OpenAPI description rendered with no internet."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ihuyi_sandbox.testing import SandboxProcess, running_sandbox
from tests.api.browsing import DESKTOP, PHONE, browser, keep_screenshot, open_page  # noqa: F401 - the fixture
from playwright.sync_api import Browser, expect  # noqa: E402


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    with running_sandbox("--db", str(tmp_path_factory.mktemp("docs") / "s.db")) as sandbox:
        yield sandbox


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_docs_render_every_product_and_the_sandbox_api(browser: Browser, sandbox: SandboxProcess,
                                                           device: str) -> None:
    errors: list[str] = []
    page = open_page(browser, f"{sandbox.url}/_sandbox/docs", errors, **(DESKTOP if device == "desktop" else PHONE))
    tags = page.get_by_test_id("docs-tag").locator("h2")
    expect(tags).to_contain_text(["international SMS", "SMS verification codes", "marketing SMS",
                                  "voice verification codes", "voice notice", "sandbox API", "Schemas"])
    expect(page.get_by_test_id("docs-version")).to_contain_text("OpenAPI 3.1.0")
    operation = page.locator("#voice_webservice_voice_php_get")
    operation.locator("summary").click()
    mobile = operation.locator('[data-testid=docs-parameter][data-name=mobile]')
    expect(mobile.get_by_test_id("docs-parameter-schema")).to_have_text("string; pattern ^(?:1[3-9][0-9]{9})$")
    examples = operation.get_by_test_id("docs-example")
    expect(examples.first).to_contain_text('<SubmitResult xmlns="http://106.ihuyi.com/">')
    expect(operation).to_contain_text('"msg": "手机格式不正确"')  # a refusal, as the checks answer it
    page.locator("#get_messages summary").click()
    expect(page.locator("#get_messages")).to_contain_text("mobile_prefix")
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    operation.evaluate("node => node.scrollIntoView()")
    keep_screenshot(page, f"docs-{device}", full_page=False)
    page.get_by_test_id("docs-inbox-link").click()
    expect(page).to_have_title("ihuyi sandbox · inbox")
    page.context.close()
    assert errors == []
