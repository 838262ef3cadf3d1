"""The composer's script in a real browser (Debian's Chromium through Playwright): each message
type shows only its own fields — the article picker only for news, the library picker only for a
file, the text and its byte counter only for text. Skipped where either is missing."""

from __future__ import annotations

import shutil

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

from weizheng.staff.testing import login_staff

from .conftest import staff_world
from .test_picked_media import article

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine"),
]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def composer(live_server, plain_account, django_user_model, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    world = staff_world(plain_account, django_user_model)
    article(world, "五一假期出行提示")
    client = Client()
    login_staff(client, world["bob"])
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(locale="en-US")
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
        )
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(live_server.url + f"/office/accounts/{plain_account.pk}/broadcasts/new/")
        yield page
        browser.close()
        connections.close_all()


def test_each_message_type_shows_only_its_own_fields(composer):
    page = composer
    articles = page.locator("[data-testid=article-picker]")
    counter = page.locator("[data-testid=text-limit]")

    # Text: the text and its byte counter; no picker.
    page.fill("#id_text", "你好")
    sync_api.expect(page.locator("#text-bytes")).to_have_text("6 / 2048")
    assert counter.is_visible() and page.locator("#id_text").is_visible()
    assert articles.is_hidden() and page.locator("[data-testid=media-picker]").is_hidden()

    # Image: the library picker of images only; no articles, no text, no counter.
    page.select_option("#id_message_type", "image")
    assert page.locator("[data-testid=media-picker]").is_visible()
    assert articles.is_hidden() and counter.is_hidden() and page.locator("#id_text").is_hidden()

    # News: the articles, laid out across the form (not squeezed in the label column).
    page.select_option("#id_message_type", "news")
    assert articles.is_visible()
    assert page.locator("[data-testid=pick-article]").first.is_visible()
    assert counter.is_hidden() and page.locator("[data-testid=media-picker]").is_hidden()

    # Back to text: the articles go away again.
    page.select_option("#id_message_type", "text")
    assert articles.is_hidden() and counter.is_visible()
