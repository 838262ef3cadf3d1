"""Done means: compose, review, send; the simulator persona receives it.

An editor composes a text broadcast to all followers in the back office, a reviewer and an
administrator approve it (三审), it goes out through the mock WeChat platform (`sendall` with a
clientmsgid), and the phone simulator, open on a following persona, shows the mass message
arriving — all in Chromium, every step through the real pages, callback and mock."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from weizheng.broadcasts.models import Broadcast
from weizheng.broadcasts.tests.conftest import staff_world
from weizheng.staff.testing import login_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTICE = "【平安市公安局】台风“海燕”今夜登陆，请关好门窗，非必要不外出。"


def session_cookie(user, base_url: str) -> dict:
    client = Client()
    login_staff(client, user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": base_url,
    }


def test_compose_review_send_and_the_persona_receives_it(
    browser, page, live_server, mock_account, personas, simulator_url, django_user_model, screenshot
):
    world = staff_world(mock_account, django_user_model)
    zhou_ming = personas["zhou-ming"]  # follows the police account
    page.goto(simulator_url(zhou_ming.openid))

    office = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    office.set_default_timeout(10_000)
    staff = office.new_page()
    base = f"{live_server.url}/office/accounts/{mock_account.pk}/broadcasts/"
    try:
        # The editor composes and submits.
        office.add_cookies([session_cookie(world["bob"], live_server.url)])
        staff.goto(base + "new/")
        staff.fill("#id_title", "台风预警")
        staff.fill("#id_text", NOTICE)
        expect(staff.locator("#text-bytes")).to_have_text(f"{len(NOTICE.encode())} / 2048")
        expect(staff.locator('[data-testid="segment"]')).to_be_hidden()
        staff.click('[data-testid="save-broadcast"]')
        expect(staff.locator('[data-testid="broadcast-text"]')).to_contain_text("台风")
        expect(staff.locator('[data-testid="audience-count"]')).to_have_text("2")
        staff.click('[data-testid="submit-broadcast"]')
        expect(staff.locator('[data-testid="review-status"]')).to_have_text("Awaiting first review")
        detail = staff.url

        # The reviewer (初审), then the administrator (终审), who sends it.
        office.clear_cookies()
        office.add_cookies([session_cookie(world["rita"], live_server.url)])
        staff.goto(detail)
        staff.click('[data-testid="approve-broadcast"]')
        expect(staff.locator('[data-testid="review-status"]')).to_have_text("Awaiting final review")
        office.clear_cookies()
        office.add_cookies([session_cookie(world["alice"], live_server.url)])
        staff.goto(detail)
        staff.click('[data-testid="approve-broadcast"]')
        expect(staff.locator('[data-testid="send-state"]')).to_have_text("Sent")
        expect(staff.locator('[data-testid="progress-bar"]')).to_have_attribute(
            "style", "width: 100%"
        )
        # MASSSENDJOBFINISH arrives a moment later; the page polls for it.
        expect(staff.locator('[data-testid="results-sent"]')).to_have_text("2")
        screenshot(staff, "broadcast.png", full_page=True)
    finally:
        office.close()

    bubble = page.locator('#phone-messages .msg_in[data-channel="mass"]').filter(has_text="海燕")
    expect(bubble).to_be_visible()
    broadcast = Broadcast.objects.get()
    assert broadcast.chunks.get().clientmsgid == f"{broadcast.send_token}-{broadcast.pk}-0"
