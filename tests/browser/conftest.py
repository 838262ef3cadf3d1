"""Browser tests: Playwright driving Debian's chromium (/usr/bin/chromium; never downloaded).

Fixtures for every browser test: `browser` (one chromium per session), `page` (a fresh context
per test, so no cookie leaks between tests), and for the simulator `simulator` (the police
account on the mock platform with the personas, opened in the phone simulator).

Playwright's sync API runs an event loop in the test thread, and Django refuses database access
from a thread with a running loop; the tests' own queries are synchronous code, so that check is
switched off here.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("WEIZHENG_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = os.environ.get("WEIZHENG_SCREENSHOTS") == "1"
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
# Playwright's default wait; a callback through the mock takes tens of milliseconds.
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        message = f"{CHROMIUM} is missing: apt-get install -y chromium fonts-wqy-microhei"
        if os.environ.get("CI") == "true":
            pytest.fail(message)  # CI installs it: a missing browser there is a broken set-up
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    context = browser.new_context(
        viewport={"width": 1100, "height": 860}, locale="zh-CN", device_scale_factor=1
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot():
    """screenshot(page, "simulator.png"): written to docs/img/ only with WEIZHENG_SCREENSHOTS=1,
    so test runs never rewrite tracked files."""

    def take(page, name: str, **options) -> Path | None:
        if not SCREENSHOTS:
            return None
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        path = DOCS_IMG / name
        page.screenshot(path=str(path), **options)
        return path

    return take


@pytest.fixture
def personas(mock_account):
    """The simulator's personas as users of the police account on the mock platform,
    by persona key."""
    from weizheng.simulator.personas import PERSONAS, ensure_personas

    return {p.key: u for p, u in zip(PERSONAS, ensure_personas(mock_account), strict=True)}


@pytest.fixture
def simulator_url(live_server, mock_account):
    def url(openid: str = "") -> str:
        query = f"?account={mock_account.slug}" + (f"&openid={openid}" if openid else "")
        return f"{live_server.url}/simulator/{query}"

    return url
