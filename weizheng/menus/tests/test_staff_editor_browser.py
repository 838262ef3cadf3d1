"""The menu editor's script in a real browser (Debian's Chromium through Playwright): the preview
follows the typing, bytes are counted, the live check puts WeChat's rule by the field.

Skipped where Playwright or Chromium is missing."""

from __future__ import annotations

import os
import shutil

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

from weizheng.menus.actions import do_save_menu
from weizheng.menus.demo import police_demo_structure
from weizheng.menus.models import Menu
from weizheng.menus.selectors import menu_structure
from weizheng.staff.testing import login_staff

from .test_staff_menus import staff_world

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine"),
]


@pytest.fixture
def browser_page(live_server, plain_account, django_user_model, monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test are
    # still synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    world = staff_world(plain_account, django_user_model)
    client = Client()
    login_staff(client, world["alice"])
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
        )
        page = context.new_page()
        page.set_default_timeout(10_000)
        yield page, live_server.url + f"/office/accounts/{plain_account.pk}/menus/", world
        if os.environ.get("WEIZHENG_SCREENSHOTS"):
            page.screenshot(path=os.environ["WEIZHENG_SCREENSHOTS"], full_page=True)
        browser.close()
        # Inside Playwright's event loop the ORM got a connection of its own (Django keeps
        # connections per async context): close it, or PostgreSQL keeps the test database busy.
        connections.close_all()


def test_the_preview_follows_the_typing_and_the_check_names_the_rule(browser_page):
    page, base, world = browser_page
    page.goto(base + "new/")
    page.fill("#id_name", "警务服务")
    page.fill("#id_b1-name", "违法查询")
    page.fill("#id_b1-key", "POLICE_VIOLATIONS")
    preview = page.locator("[data-testid=preview-button]")
    sync_api.expect(preview).to_have_text(["违法查询"])
    sync_api.expect(page.locator('.slot[data-prefix="b1"] .bytes').first).to_have_text(
        "12 / 16 bytes"
    )

    # A second button with sub-buttons: its own type disappears, the preview pops them up.
    page.click("[data-op=add-top]")
    page.fill("#id_b2-name", "便民指南")
    page.click('.slot[data-prefix="b2"] [data-op=add-sub]')
    page.fill("#id_b2s1-name", "办事指南")
    page.select_option("#id_b2s1-type", "view")
    page.fill("#id_b2s1-url", "ftp://files.example.com/")
    assert page.locator("#id_b2-type").is_hidden()
    assert page.locator("#id_b2s1-key").is_hidden()
    sync_api.expect(preview).to_have_text(["违法查询", "≡ 便民指南"])
    preview.nth(1).click()
    sync_api.expect(page.locator(".pm-sub")).to_have_text(["办事指南"])

    # The server's check puts the broken rule by the field, as typed.
    sync_api.expect(page.locator('[data-errors-for="b2s1-url"]')).to_have_text(
        "The URL of sub-button 1 “办事指南” of button 2 must be a web address starting with"
        " http:// or https://."
    )
    page.fill("#id_b1-name", "交通违法查询处理")
    sync_api.expect(page.locator('[data-errors-for="b1-name"]')).to_contain_text(
        "is 24 bytes long, more than the 16 bytes WeChat allows"
    )
    page.fill("#id_b1-name", "违法查询")
    page.fill("#id_b2s1-url", "https://demo.weizheng.gov.cn/h5/guides/")
    sync_api.expect(page.locator("[data-check-status]")).to_have_text(
        "The menu meets WeChat's rules."
    )
    page.click("[data-testid=save]")
    page.wait_for_url("**/menus/*/")
    assert menu_structure(menu=Menu.objects.get()) == {
        "button": [
            {"type": "click", "name": "违法查询", "key": "POLICE_VIOLATIONS"},
            {
                "name": "便民指南",
                "sub_button": [
                    {
                        "type": "view",
                        "name": "办事指南",
                        "url": "https://demo.weizheng.gov.cn/h5/guides/",
                    }
                ],
            },
        ]
    }


def test_buttons_are_moved_and_removed(browser_page):
    page, base, world = browser_page
    menu = do_save_menu(
        account=world["police"], structure=police_demo_structure(), actor=None, name="警务服务"
    )
    page.goto(base + f"{menu.pk}/")
    preview = page.locator("[data-testid=preview-button]")
    sync_api.expect(preview).to_have_text(["≡ 快撤理赔", "≡ 服务事项", "≡ 便民指南"])
    page.click('.slot[data-prefix="b3"] > legend [data-op=up]')
    sync_api.expect(preview).to_have_text(["≡ 快撤理赔", "≡ 便民指南", "≡ 服务事项"])
    page.click('.slot[data-prefix="b1"] > legend [data-op=remove]')
    sync_api.expect(preview).to_have_text(["≡ 便民指南", "≡ 服务事项"])
    page.click('.slot[data-prefix="b2s1"] [data-op=remove]')
    page.click("[data-testid=save]")
    page.wait_for_load_state()
    buttons = menu_structure(menu=Menu.objects.get(pk=menu.pk))["button"]
    assert [b["name"] for b in buttons] == ["便民指南", "服务事项"]
    assert [s["name"] for s in buttons[1]["sub_button"]] == [
        "办事指南",
        "预约办事",
        "我的信息",
        "缴纳罚款",
    ]
