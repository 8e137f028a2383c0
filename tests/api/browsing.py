"""What the browser tests share: Debian's chromium driven by Playwright, pages that fail a test on
any console error, no request leaving this machine, and the screenshots they keep.

Screenshots go to ``screenshots/`` at the top of the checkout (gitignored), or to the folder
``IHUYI_SANDBOX_SCREENSHOTS`` names: ``<page>-<view>-desktop.png`` and ``…-phone.png``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# under CI a missing browser or Playwright must fail, never pass as skipped
if not os.environ.get("CI"):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium; CI must have it)",
                    allow_module_level=True)
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install playwright)")

from playwright.sync_api import Browser, Page, Route, sync_playwright  # noqa: E402

ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(os.environ.get("IHUYI_SANDBOX_SCREENSHOTS") or Path(__file__).resolve().parents[2] / "screenshots")
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


def open_page(browser: Browser, url: str, errors: list[str], **context: object) -> Page:
    """``url`` in a new context whose console errors land in ``errors``, and in which any request
    to another origin than the sandbox's fails (and is an error): the pages need no internet."""
    page = browser.new_context(**context).new_page()
    origin = url.split("/_sandbox", 1)[0]
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))

    def only_here(route: Route) -> None:
        if route.request.url.startswith(origin) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            errors.append(f"asked for {route.request.url}")
            route.abort()

    page.route("**/*", only_here)
    page.goto(url)
    return page


def keep_screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """The page (whole, or what the window shows) as ``SCREENSHOTS/<name>.png``, kept after the run."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
