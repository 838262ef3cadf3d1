"""The reply editor's script in a real browser (Debian's Chromium through Playwright): the fields
of the chosen reply type, article slots and the chat preview. Skipped where either is missing."""

from __future__ import annotations

import shutil

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

from weizheng.menus.tests.test_staff_menus import staff_world
from weizheng.replies.models import SubscribeGreeting
from weizheng.staff.testing import login_staff

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine"),
]


@pytest.fixture
def browser_page(live_server, plain_account, django_user_model, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    world = staff_world(plain_account, django_user_model)
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
        yield page, live_server.url + f"/office/accounts/{plain_account.pk}/replies/"
        browser.close()
        # Inside Playwright's event loop the ORM got a connection of its own (Django keeps
        # connections per async context): close it, or PostgreSQL keeps the test database busy.
        connections.close_all()


def test_a_greeting_of_articles_is_written_with_its_preview(browser_page):
    page, base = browser_page
    page.goto(base + "greetings/new/")
    page.fill("#id_text", "欢迎关注")
    sync_api.expect(page.locator("[data-preview-answer] .bubble")).to_have_text("欢迎关注")
    sync_api.expect(page.locator("[data-testid=text-bytes]")).to_have_text("12 / 2048 bytes")

    page.select_option("#id_reply_type", "news")
    assert page.locator("#id_text").is_hidden() and page.locator("#id_media_id").is_hidden()
    assert page.locator("#id_a2-title").is_hidden()
    page.fill("#id_scene", "expo-hall")
    page.fill("#id_a1-title", "投洽会议程")
    page.click("[data-op=add-article]")
    page.fill("#id_a2-title", "展馆地图")
    page.fill("#id_a2-url", "https://expo.example.gov.cn/map")
    sync_api.expect(page.locator("[data-preview-answer] .news-title")).to_have_text(
        ["投洽会议程", "展馆地图"]
    )
    page.click('fieldset.article[data-article="1"] [data-op=remove-article]')
    sync_api.expect(page.locator("#id_a1-title")).to_have_value("展馆地图")
    page.click("[data-testid=save]")
    page.wait_for_url(base)
    greeting = SubscribeGreeting.objects.get()
    assert greeting.scene == "expo-hall" and greeting.text == ""
    assert greeting.articles == [
        {
            "title": "展馆地图",
            "description": "",
            "url": "https://expo.example.gov.cn/map",
            "pic_url": "",
        }
    ]


def test_an_any_text_rule_hides_the_keyword(browser_page):
    page, base = browser_page
    page.goto(base + "rules/new/")
    assert page.locator("#id_pattern").is_visible()
    page.select_option("#id_match", "any")
    assert page.locator("#id_pattern").is_hidden()
