"""Online application (网办) from end to end, as issue #6 asks: a simulator persona binds their real
name (the SMS code read from the simulator's panel), finds the guide with 办事指南, applies online
with a photo, gets a receipt; a clerk signs in with a password and a TOTP code, accepts, reviews,
approves and completes the application in the back office; the persona receives a message at each
step in the simulator, opens the application from the last one and rates it (好差评)."""

from __future__ import annotations

import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from weizheng.eservices.actions import (
    check_approve_guide,
    check_save_form,
    check_save_guide,
    do_submit_guide,
)
from weizheng.eservices.models import Application, ApplicationRating, ApplicationStatus
from weizheng.staff.models import Department, Membership, Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-police-admin-2026!"
# A 1×1 white PNG: the applicant's photo.
PHOTO = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c49444154789c63f8ffff3f0005fe02fe0def46b80000000049454e44ae426082"
)
# The notification's words for each step (weizheng/eservices/actions.py STATUS_WORDS).
STEP_WORDS = {
    "accepted": "已受理，正在办理",
    "under_review": "正在审查",
    "approved": "已审批通过",
    "completed": "已办结",
}


@pytest.fixture
def demo_settings(live_server, settings, tmp_path):
    settings.PUBLIC_BASE_URL = live_server.url
    settings.NOTIFICATIONS_SMS_GATEWAY = "weizheng.simulator.sms.SimulatorGateway"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def police(mock_account, django_user_model):
    """The police department: an editor and a reviewer for the guide's 三审, and the
    administrator (police_admin-like) who designs the form and works the applications, with an
    authenticator."""
    department = Department.objects.create(name="平安市公安局交警支队")
    department.accounts.add(mock_account)
    people = {}
    for username, role in (
        ("editor", Role.EDITOR),
        ("reviewer", Role.REVIEWER),
        ("police_admin", Role.ADMINISTRATOR),
    ):
        people[username] = django_user_model.objects.create_user(
            username, password=PASSWORD, is_staff=True
        )
        Membership.objects.create(user=people[username], department=department, role=role)
    TOTPDevice.objects.create(user=people["police_admin"], name="phone", confirmed=True)
    return people


@pytest.fixture
def guide(mock_account, police):
    """机动车驾驶证补领, published through 三审, open to online application."""
    guide = check_save_guide(
        account=mock_account,
        actor=police["editor"],
        data={
            "title": "机动车驾驶证补领",
            "code": "PA-JJ-0101",
            "category": "驾驶证业务",
            "department": "平安市公安局交警支队车辆管理所",
            "mode": "both",
            "fee_fen": 1000,
            "statutory_days": 1,
            "promised_days": 1,
            "steps": "提交申请\n核验身份\n领取驾驶证",
        },
        materials=[{"name": "居民身份证", "form": "original", "copies": 1}],
        questions=[],
    )
    do_submit_guide(guide=guide, actor=police["editor"])
    check_approve_guide(guide=guide, actor=police["reviewer"])
    guide = check_approve_guide(guide=guide, actor=police["police_admin"])
    check_save_form(
        guide=guide,
        actor=police["police_admin"],
        fields=[
            {"key": "name", "label": "申请人姓名", "kind": "text", "prefill": "name"},
            {
                "key": "id_number",
                "label": "公民身份号码",
                "kind": "id_number",
                "prefill": "id_number",
            },
            {
                "key": "licence_class",
                "label": "准驾车型",
                "kind": "select",
                "choices": ["C1", "C2"],
            },
            {"key": "lost_on", "label": "遗失日期", "kind": "date"},
            {
                "key": "photo",
                "label": "白底证件照",
                "kind": "file",
                "file_types": ["jpeg", "png"],
                "max_size_kb": 2048,
            },
        ],
        accepts_online=True,
    )
    return guide


def current_code(user) -> str:
    device = TOTPDevice.objects.get(user=user)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def send(page, text: str) -> None:
    if page.locator("#to-keyboard").is_visible():
        page.click("#to-keyboard")
    page.fill('[data-test="text-input"]', text)
    page.click('[data-test="send"]')


def test_bind_apply_clerk_accepts_and_approves_persona_notified_then_rates(
    browser,
    page,
    live_server,
    mock_account,
    personas,
    simulator_url,
    demo_settings,
    police,
    guide,
    screenshot,
):
    zhou = personas["zhou-ming"]
    page.goto(simulator_url(zhou.openid))
    frame = page.frame_locator('[data-test="webview-frame"]')
    incoming = page.locator("#phone-messages .msg_in")

    # 1. The persona binds their real name with the code from the SMS panel.
    send(page, "绑定")
    page.locator('#phone-messages a[href*="/h5/police/id/"]').last.click()
    frame.locator('[data-test="agree"]').check()
    frame.locator('[data-test="continue"]').click()
    frame.locator('[data-test="name"]').fill("周明")
    frame.locator('[data-test="id-number"]').fill("440304198506120035")
    frame.locator('[data-test="phone"]').fill("13712340001")
    frame.locator('[data-test="send-code"]').click()
    sms = page.locator('[data-test="sms"] li[data-phone="137****0001"] [data-test="sms-text"]')
    expect(sms).to_contain_text(re.compile(r"\d{6}"))
    frame.locator('[data-test="code"]').fill(re.search(r"\d{6}", sms.inner_text()).group(0))
    frame.locator('[data-test="bind"]').click()
    expect(frame.locator('[data-test="bound"]')).to_be_visible()
    page.click("#web-close")

    # 2. Finds the guide from WeChat and applies online.
    send(page, "办事指南 驾驶证补领")
    page.locator(f'#phone-messages a[href*="/services/guides/{guide.pk}/"]').last.click()
    frame.locator('[data-test="apply-online"]').click()
    expect(frame.locator('[data-test="prefilled-name"]')).to_have_text("周*")
    expect(frame.locator('[data-test="prefilled-id_number"]')).to_have_text("440304********0035")
    frame.locator('[data-test="answer-licence_class"]').select_option("C1")
    frame.locator('[data-test="answer-lost_on"]').fill("2026-05-02")
    frame.locator('[data-test="file-photo"]').set_input_files(
        {"name": "照片.png", "mimeType": "image/png", "buffer": PHOTO}
    )
    screenshot(page, "eservices-apply.png")
    frame.locator('[data-test="submit"]').click()
    receipt_no = frame.locator('[data-test="receipt-no"]')
    expect(receipt_no).to_have_text(re.compile(r"^WB\d{14}$"))
    number = receipt_no.inner_text()
    expect(incoming.filter(has_text=number).filter(has_text="已提交")).to_have_count(1)
    page.click("#web-close")

    application = Application.objects.get(receipt_no=number)
    assert application.answers["name"] == "周明" and application.files.count() == 1

    # 3. The clerk signs in with a password and a TOTP code and works the application.
    office = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    office.set_default_timeout(10_000)
    clerk = office.new_page()
    try:
        clerk.goto(f"{live_server.url}/office/accounts/{mock_account.pk}/eservices/applications/")
        clerk.fill("#id_username", "police_admin")
        clerk.fill("#id_password", PASSWORD)
        clerk.click("form button[type=submit]")
        clerk.fill("#id_token", current_code(police["police_admin"]))
        clerk.click("form button[type=submit]")
        row = clerk.locator(f'[data-testid="queue"] tr[data-receipt="{number}"]')
        expect(row).to_be_visible()
        row.locator('[data-testid="open-application"]').click()
        expect(clerk.get_by_test_id("answers")).to_contain_text("440304********0035")
        screenshot(clerk, "eservices-office-application.png", full_page=True)
        for step, words in STEP_WORDS.items():
            clerk.get_by_test_id(f"step-{step}").click()
            expect(clerk.get_by_test_id("status")).to_have_attribute("data-status", step)
            # 4. The persona receives the step's message in the simulator.
            expect(incoming.filter(has_text=number).filter(has_text=words)).to_have_count(1)
    finally:
        office.close()

    # 5. From the last message, the persona opens the application and rates it.
    incoming.filter(has_text="已办结").last.locator("a").last.click()
    expect(frame.locator('[data-test="status"]')).to_have_attribute("data-status", "completed")
    expect(frame.locator('[data-test="timeline"] li')).to_have_count(5)
    screenshot(page, "eservices-rating.png")
    frame.locator('[data-test="score-5"]').check()
    frame.locator('[data-test="comment"]').fill("全程网办，一次都没跑。")
    frame.locator('[data-test="rate"]').click()
    expect(frame.locator('[data-test="rating"]')).to_contain_text("全程网办")
    expect(frame.locator('[data-test="rate-form"]')).to_have_count(0)

    application.refresh_from_db()
    assert application.status == ApplicationStatus.COMPLETED
    rating = ApplicationRating.objects.get(application=application)
    assert (rating.score, rating.openid) == (5, zhou.openid)
