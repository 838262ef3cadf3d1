"""Browser tests: Playwright driving Debian's chromium (/usr/bin/chromium; never downloaded).

Fixtures for browser tests: `browser` (one chromium per test module), `page` (a fresh context per
test, so no cookie leaks between tests), `screenshot`, and for the simulator `personas` and
`simulator_url`.

Playwright's sync API runs an event loop in the test thread for as long as it is started. Hence a
module-scoped `browser`, not a session-scoped one: a loop left running would make every later
test's ORM call run "inside an event loop" and refuse any other sync_playwright(). While it runs,
Django's refusal of database access from such a thread is switched off (the tests' own queries
are plain synchronous code), and the connections the ORM opened in that context are closed after
each test (PostgreSQL will not drop a test database that still has sessions).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = os.environ.get("WEIZHENG_CHROMIUM", "/usr/bin/chromium")
# A directory to write screenshots into (e.g. docs/img); unset, no test writes any file.
SCREENSHOT_DIR = os.environ.get("WEIZHENG_SCREENSHOT_DIR", "")
# Playwright's default wait; a callback through the mock takes tens of milliseconds.
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        message = f"{CHROMIUM} is missing: apt-get install -y chromium fonts-wqy-microhei"
        if os.environ.get("CI") == "true":
            pytest.fail(message)  # CI installs it: a missing browser there is a broken set-up
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
            )
            yield browser
            browser.close()
            connections.close_all()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser) -> Iterator[object]:
    context = browser.new_context(
        viewport={"width": 1100, "height": 860}, locale="zh-CN", device_scale_factor=1
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()
    connections.close_all()


@pytest.fixture
def screenshot():
    """screenshot(page, "simulator.png"): written into $WEIZHENG_SCREENSHOT_DIR only when it is
    set (WEIZHENG_SCREENSHOT_DIR=docs/img for the README), so test runs never rewrite tracked
    files."""

    def take(page, name: str, **options) -> Path | None:
        if not SCREENSHOT_DIR:
            return None
        directory = Path(SCREENSHOT_DIR)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / name
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
