"""微信问政 from end to end, as issue #8 asks: a simulator persona asks in the chat (我要问政 →
category → description → no photo → no place → anonymous → consent), a clerk of the assigned
department signs in with a password and a TOTP code, signs for the request and replies; the
persona receives the reply in the chat, opens it and rates it; the figures page moves."""

from __future__ import annotations

import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from weizheng.inquiries.models import Category, Inquiry, InquiryRating, InquiryStatus
from weizheng.staff.models import Department, Membership, Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-gov-handler-2026!"


@pytest.fixture
def demo_settings(live_server, settings, tmp_path):
    settings.PUBLIC_BASE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def centre(mock_account, django_user_model):
    """The city's service centre answers 市容环境 on the (mock-wired) account; its handler has an
    authenticator."""
    department = Department.objects.create(name="平安市政务服务中心")
    department.accounts.add(mock_account)
    handler = django_user_model.objects.create_user("gov_handler", password=PASSWORD, is_staff=True)
    Membership.objects.create(user=handler, department=department, role=Role.HANDLER)
    TOTPDevice.objects.create(user=handler, name="phone", confirmed=True)
    Category.objects.create(
        account=mock_account, code="city", name="市容环境", department=department
    )
    Category.objects.create(
        account=mock_account, code="other", name="其他", department=department, is_other=True
    )
    return handler


def current_code(user) -> str:
    device = TOTPDevice.objects.get(user=user)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def send(page, text: str) -> None:
    if page.locator("#to-keyboard").is_visible():
        page.click("#to-keyboard")
    page.fill('[data-test="text-input"]', text)
    page.click('[data-test="send"]')


def test_persona_asks_clerk_signs_and_replies_persona_rates_and_the_figures_move(
    browser, page, live_server, mock_account, personas, simulator_url, demo_settings, centre
):
    zhou = personas["zhou-ming"]
    page.goto(simulator_url(zhou.openid))
    incoming = page.locator("#phone-messages .msg_in")

    # 1. The persona asks in the chat (each answer waits for the step's question).
    send(page, "我要问政")
    expect(incoming.last).to_contain_text("1. 市容环境")
    for answer in ("1", "东湖公园北门的垃圾桶满了好几天没人清运，气味很大。", "跳过", "跳过", "2"):
        before = incoming.count()
        send(page, answer)
        expect(incoming).to_have_count(before + 1)
    send(page, "1")
    expect(incoming.last).to_contain_text(re.compile(r"WZ\d{14}"))
    inquiry = Inquiry.objects.get()
    number = inquiry.public_id
    assert inquiry.channel == "wechat" and inquiry.openid == zhou.openid
    assert inquiry.is_anonymous and inquiry.consent_publish

    # 2. The clerk signs in and finds it in the queue; the figures show nothing answered yet.
    office = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    office.set_default_timeout(10_000)
    clerk = office.new_page()
    base = f"{live_server.url}/office/accounts/{mock_account.pk}/inquiries/"
    try:
        clerk.goto(base)
        clerk.fill("#id_username", "gov_handler")
        clerk.fill("#id_password", PASSWORD)
        clerk.click("form button[type=submit]")
        clerk.fill("#id_token", current_code(centre))
        clerk.click("form button[type=submit]")
        clerk.goto(base + "figures/")
        row = clerk.locator('[data-testid="figures"] tr[data-department="平安市政务服务中心"]')
        expect(row.locator('[data-figure="response"]')).to_have_text("0.0%")
        expect(row.locator('[data-figure="satisfaction"]')).to_have_text("—")
        clerk.goto(base)
        clerk.locator(f'[data-testid="queue"] tr[data-inquiry="{inquiry.pk}"] a').first.click()
        expect(clerk.get_by_test_id("description")).to_contain_text("东湖公园北门")
        clerk.get_by_test_id("step-sign").click()
        expect(clerk.get_by_test_id("status")).to_have_attribute("data-status", "signed")
        clerk.get_by_test_id("reply-text").fill(
            "已通知环卫部门当日清运，并将该点位清运频次调整为每日两次。"
        )
        clerk.get_by_test_id("step-reply").click()
        expect(clerk.get_by_test_id("status")).to_have_attribute("data-status", "replied")

        # 3. The persona gets the reply in the chat, opens it and rates it.
        reply = incoming.filter(has_text=number).filter(has_text="每日两次")
        expect(reply).to_have_count(1)
        reply.last.locator("a").last.click()
        frame = page.frame_locator('[data-test="webview-frame"]')
        expect(frame.locator('[data-test="status"]')).to_have_attribute("data-status", "replied")
        frame.locator('[data-test="score-3"]').check()
        frame.locator('[data-test="resolved-yes"]').check()
        frame.locator('[data-test="rate"]').click()
        expect(frame.locator('[data-test="rating"]')).to_be_visible()
        expect(frame.locator('[data-test="rate-form"]')).to_have_count(0)

        # 4. The figures moved.
        clerk.goto(base + "figures/")
        expect(row.locator('[data-figure="response"]')).to_have_text("100.0%")
        expect(row.locator('[data-figure="on-time"]')).to_have_text("100.0%")
        expect(row.locator('[data-figure="resolution"]')).to_have_text("100.0%")
        expect(row.locator('[data-figure="satisfaction"]')).to_have_text("100.0%")
    finally:
        office.close()

    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.RATED
    rating = InquiryRating.objects.get(inquiry=inquiry)
    assert (rating.score, rating.is_resolved, rating.openid) == (3, True, zhou.openid)
