"""The back office in a real browser: a clerk signs in with a password and a TOTP code, edits the
published menu, publishes it, and the phone simulator shows the new menu as WeChat holds it."""

from __future__ import annotations

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from weizheng.menus.actions import do_publish_menu, do_save_menu
from weizheng.menus.demo import police_demo_structure
from weizheng.menus.models import Menu
from weizheng.staff.models import Department, Membership, Role
from weizheng.wechat_mock.models import MockMenu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-alice-2026!"


@pytest.fixture
def alice(mock_account, django_user_model):
    """Administrator of the department that runs the police account, with an authenticator."""
    department = Department.objects.create(name="平安市公安局交警支队")
    department.accounts.add(mock_account)
    user = django_user_model.objects.create_user("alice", password=PASSWORD)
    Membership.objects.create(user=user, department=department, role=Role.ADMINISTRATOR)
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


def current_code(user) -> str:
    device = TOTPDevice.objects.get(user=user)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_a_clerk_edits_the_menu_and_the_simulator_shows_the_new_one(
    page, live_server, mock_account, alice, personas, simulator_url
):
    published = do_save_menu(
        account=mock_account,
        structure=police_demo_structure(f"{live_server.url}/h5"),
        actor=None,
        name="警务服务",
    )
    do_publish_menu(menu=published, actor=None)
    citizen = personas["zhou-ming"]
    page.goto(simulator_url(citizen.openid))
    expect(page.get_by_role("button", name="便民指南")).to_be_visible()

    page.goto(f"{live_server.url}/office/")  # not signed in: to the login
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.fill("#id_token", current_code(alice))
    page.click("form button[type=submit]")
    expect(page.get_by_test_id("account-table")).to_contain_text("平安市公安局")

    page.goto(f"{live_server.url}/office/accounts/{mock_account.pk}/menus/new/?from={published.pk}")
    page.fill("#id_b3-name", "便民服务")
    expect(page.get_by_test_id("preview-button").nth(2)).to_contain_text("便民服务")
    page.click("[data-testid=save-publish]")
    expect(page.get_by_test_id("status")).to_have_attribute("class", "badge badge-ok")

    assert Menu.objects.filter(account=mock_account, status="published").count() == 1
    on_wechat = MockMenu.objects.get(app__appid=mock_account.app_id, is_conditional=False)
    assert [b["name"] for b in on_wechat.buttons] == ["快撤理赔", "服务事项", "便民服务"]

    page.goto(simulator_url(citizen.openid))
    expect(page.get_by_role("button", name="便民服务")).to_be_visible()
    expect(page.get_by_role("button", name="便民指南")).to_have_count(0)


def test_a_wrong_code_keeps_the_clerk_out(page, live_server, alice):
    page.goto(f"{live_server.url}/office/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    wrong = f"{(int(current_code(alice)) + 500_000) % 1_000_000:06d}"
    page.fill("#id_token", wrong)
    page.click("form button[type=submit]")
    expect(page.locator(".errorlist")).to_be_visible()
    page.goto(f"{live_server.url}/office/")
    expect(page).to_have_url(f"{live_server.url}/office/login/verify/?next=%2Foffice%2F")
