"""The back-office shell: sign-in with TOTP, lockout, navigation scoped by role, the audit log
viewer, the language switch, and the followers pages."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import make_account
from weizheng.core.models import AuditLog
from weizheng.followers.models import Follower
from weizheng.staff.models import Department, Membership, Role
from weizheng.staff.testing import login_staff

pytestmark = pytest.mark.django_db

PASSWORD = "pw-clerk-2026!"


def code_for(device: TOTPDevice, drift: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"


@pytest.fixture
def world(plain_account, django_user_model):
    """alice: police administrator; bob: police editor; carol: water administrator;
    dave: no role anywhere."""
    water = make_account(
        "water", mode="plain", app_id="wx7c2e9a4b1d3f5e80", token="watertoken", name="平安水务集团"
    )
    police_dept = Department.objects.create(name="平安市公安局交警支队")
    police_dept.accounts.add(plain_account)
    water_dept = Department.objects.create(name="平安水务集团客服中心")
    water_dept.accounts.add(water)
    users = {}
    for name in ("alice", "bob", "carol", "dave"):
        users[name] = django_user_model.objects.create_user(name, password=PASSWORD)
    Membership.objects.create(user=users["alice"], department=police_dept, role=Role.ADMINISTRATOR)
    Membership.objects.create(user=users["bob"], department=police_dept, role=Role.EDITOR)
    Membership.objects.create(user=users["carol"], department=water_dept, role=Role.ADMINISTRATOR)
    return {"police": plain_account, "water": water, **users}


def test_first_sign_in_enrols_an_authenticator_then_opens_the_dashboard(world, client):
    response = client.post("/office/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/office/login/setup/")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"<svg" in page.content  # the QR code, drawn by the server (no CDN, no JS)
    device = TOTPDevice.objects.get(user=world["alice"], confirmed=False)
    wrong = client.post("/office/login/setup/", {"token": "000000"})
    assert "wrong" in wrong.content.decode() or "错误" in wrong.content.decode()
    assert client.get("/office/").status_code == 302  # still not through

    confirmed = client.post("/office/login/setup/", {"token": code_for(device)})
    assert confirmed.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    home = client.get("/office/")
    assert home.status_code == 200
    assert "平安市公安局" in home.content.decode()
    assert "平安水务集团" not in home.content.decode()
    assert AuditLog.objects.filter(action="staff.totp.enrolled", actor=world["alice"]).exists()
    assert AuditLog.objects.filter(action="staff.login", actor=world["alice"]).exists()


def test_a_password_alone_does_not_open_the_back_office(world, client):
    device = TOTPDevice.objects.create(user=world["alice"], name="phone", confirmed=True)
    response = client.post(
        "/office/login/", {"username": "alice", "password": PASSWORD, "next": "/office/audit/"}
    )
    assert response["Location"].startswith("/office/login/verify/")
    assert client.get("/office/audit/")["Location"].startswith("/office/login/verify/")
    # Enrolling a second authenticator with only the password is refused.
    assert client.get("/office/login/setup/")["Location"].startswith("/office/login/verify/")
    assert TOTPDevice.objects.filter(user=world["alice"]).count() == 1

    refused = client.post("/office/login/verify/", {"token": "12345"})
    assert refused.status_code == 200
    assert AuditLog.objects.filter(action="staff.login", actor=world["alice"]).count() == 0

    accepted = client.post(
        "/office/login/verify/", {"token": code_for(device), "next": "/office/audit/"}
    )
    assert accepted["Location"] == "/office/audit/"
    assert client.get("/office/audit/").status_code == 200


def test_a_wrong_code_is_refused_and_audited(world, client):
    device = TOTPDevice.objects.create(user=world["alice"], name="phone", confirmed=True)
    client.post("/office/login/", {"username": "alice", "password": PASSWORD})
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post("/office/login/verify/", {"token": wrong})
    assert response.status_code == 200
    assert AuditLog.objects.filter(action="staff.login.wrong_code", actor=world["alice"]).exists()
    assert client.get("/office/")["Location"].startswith("/office/login/verify/")


def test_the_next_parameter_never_leaves_the_site(world, client):
    device = TOTPDevice.objects.create(user=world["alice"], name="phone", confirmed=True)
    client.post("/office/login/", {"username": "alice", "password": PASSWORD})
    response = client.post(
        "/office/login/verify/", {"token": code_for(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/office/"


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_failures_lock_the_username_even_for_the_right_password(world, client):
    for _ in range(3):
        response = client.post("/office/login/", {"username": "alice", "password": "wrong-one"})
    assert response.status_code == 429
    locked = client.post("/office/login/", {"username": "alice", "password": PASSWORD})
    assert locked.status_code == 429
    assert "locked-out" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Each failure and the lockout are in the audit log with the username and the address.
    failed = AuditLog.objects.filter(action="staff.login.failed", actor_label="alice")
    assert failed.count() == 2 and failed.first().ip_address == "127.0.0.1"
    assert AuditLog.objects.filter(action="staff.login.locked", actor_label="alice").exists()
    # Another user from another address is not locked by alice's failures.
    other = client.post(
        "/office/login/", {"username": "bob", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code == 302


def test_staff_without_a_role_cannot_sign_in(world, client):
    response = client.post("/office/login/", {"username": "dave", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_navigation_shows_only_what_the_roles_allow(world, client):
    police = world["police"]
    login_staff(client, world["bob"])  # an editor: menus and replies, no followers, no audit
    page = client.get(f"/office/accounts/{police.pk}/").content.decode()
    assert 'data-nav="overview"' in page
    assert 'data-nav="menus"' in page
    assert 'data-nav="replies"' in page
    assert 'data-nav="qrcodes"' in page
    assert 'data-nav="followers"' not in page
    assert 'data-nav="settings"' not in page
    assert 'data-nav="audit"' not in page
    assert client.get(f"/office/accounts/{police.pk}/followers/").status_code == 403
    assert client.get(f"/office/accounts/{police.pk}/audit/").status_code == 403

    login_staff(client, world["alice"])
    page = client.get(f"/office/accounts/{police.pk}/").content.decode()
    for key in ("overview", "followers", "menus", "replies", "qrcodes", "settings", "audit"):
        assert f'data-nav="{key}"' in page


def test_a_clerk_of_another_department_gets_404_and_changes_nothing(world, client):
    police = world["police"]
    follower = Follower.objects.create(account=police, openid="o-police-citizen-0001")
    login_staff(client, world["carol"])  # administrator of the water department
    before = AuditLog.objects.count()
    for url in (
        f"/office/accounts/{police.pk}/",
        f"/office/accounts/{police.pk}/followers/",
        f"/office/accounts/{police.pk}/followers/{follower.pk}/",
        f"/office/accounts/{police.pk}/audit/",
    ):
        assert client.get(url).status_code == 404, url
    attempt = client.post(
        f"/office/accounts/{police.pk}/followers/{follower.pk}/blacklist/",
        {"is_blacklisted": "on", "reason": "试图越权"},
    )
    assert attempt.status_code == 404
    follower.refresh_from_db()
    assert not follower.is_blacklisted
    assert AuditLog.objects.count() == before
    # A follower id of the police account read through the water account: 404 too.
    water = world["water"]
    assert client.get(f"/office/accounts/{water.pk}/followers/{follower.pk}/").status_code == 404


def test_the_audit_viewer_shows_only_the_administrators_accounts(world, client):
    police, water = world["police"], world["water"]
    AuditLog.objects.create(action="menus.publish", account=police, actor_label="test")
    AuditLog.objects.create(action="replies.save", account=water, actor_label="test")
    login_staff(client, world["alice"])
    page = client.get("/office/audit/").content.decode()
    assert "menus.publish" in page
    assert "replies.save" not in page
    filtered = client.get("/office/audit/", {"action": "replies"}).content.decode()
    assert "menus.publish" not in filtered


def test_the_language_switch_turns_the_back_office_english(world, client):
    login_staff(client, world["alice"])
    assert "退出" in client.get("/office/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/office/"})
    page = client.get("/office/").content.decode()
    assert "Sign out" in page
    assert "Your official accounts" in page


def test_django_admin_needs_the_second_factor_too(world, client, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.com", PASSWORD)
    client.force_login(root)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/office/login/")
    login_staff(client, root)
    assert client.get("/admin/").status_code == 200


def test_blacklisting_from_the_follower_page_is_audited(world, client):
    police = world["police"]
    follower = Follower.objects.create(account=police, openid="o-police-citizen-0002")
    login_staff(client, world["alice"])
    response = client.post(
        f"/office/accounts/{police.pk}/followers/{follower.pk}/blacklist/",
        {"is_blacklisted": "on", "reason": "辱骂民警"},
    )
    assert response.status_code == 302
    follower.refresh_from_db()
    assert follower.is_blacklisted
    row = AuditLog.objects.get(action="followers.blacklist")
    assert row.actor == world["alice"]
    assert row.detail["reason"] == "辱骂民警"


def test_a_handler_may_view_followers_but_not_blacklist(world, client, django_user_model):
    police = world["police"]
    hank = django_user_model.objects.create_user("hank", password=PASSWORD)
    Membership.objects.create(user=hank, department=police.departments.get(), role=Role.HANDLER)
    follower = Follower.objects.create(account=police, openid="o-police-citizen-0003")
    login_staff(client, hank)
    page = client.get(f"/office/accounts/{police.pk}/followers/{follower.pk}/")
    assert page.status_code == 200
    assert AuditLog.objects.filter(action="followers.view", actor=hank).exists()
    refused = client.post(
        f"/office/accounts/{police.pk}/followers/{follower.pk}/blacklist/", {"is_blacklisted": "on"}
    )
    assert refused.status_code == 403
    follower.refresh_from_db()
    assert not follower.is_blacklisted


@override_settings(DEBUG=True)
def test_the_demo_authenticator_code_is_shown_only_in_debug_for_the_demo_device(world, client):
    from weizheng.core.management.commands.demo_load import _ensure_demo_authenticator

    _ensure_demo_authenticator(world["alice"])
    client.post("/office/login/", {"username": "alice", "password": PASSWORD})
    page = client.get("/office/login/verify/").content.decode()
    assert 'data-testid="demo-code"' in page
    with override_settings(DEBUG=False):
        assert 'data-testid="demo-code"' not in client.get("/office/login/verify/").content.decode()
    TOTPDevice.objects.create(user=world["bob"], name="phone", confirmed=True)
    client.post("/office/login/", {"username": "bob", "password": PASSWORD})
    assert 'data-testid="demo-code"' not in client.get("/office/login/verify/").content.decode()


def test_an_administrator_sets_the_menu_link_domains(world, client):
    police = world["police"]
    login_staff(client, world["alice"])
    refused = client.post(
        f"/office/accounts/{police.pk}/settings/",
        {"name": "平安市公安局", "default_language": "zh-hans", "menu_url_domains": "not a host"},
    )
    assert refused.status_code == 200
    police.refresh_from_db()
    assert police.menu_url_domains == []
    saved = client.post(
        f"/office/accounts/{police.pk}/settings/",
        {
            "name": "平安市公安局",
            "default_language": "zh-hans",
            "menu_url_domains": "gaj.pingan.gov.cn\n\nGAJ.pingan.gov.cn\nwww.pingan.gov.cn",
        },
    )
    assert saved.status_code == 302
    police.refresh_from_db()
    assert police.menu_url_domains == ["gaj.pingan.gov.cn", "www.pingan.gov.cn"]
    row = AuditLog.objects.get(action="wechat.account.update", actor=world["alice"])
    assert row.detail["fields"] == ["menu_url_domains"]


def test_an_editor_cannot_change_account_settings(world, client):
    police = world["police"]
    login_staff(client, world["bob"])
    response = client.post(
        f"/office/accounts/{police.pk}/settings/",
        {"name": "改名", "default_language": "en", "menu_url_domains": ""},
    )
    assert response.status_code == 403
    police.refresh_from_db()
    assert police.name == "平安市公安局"


def test_a_reviewer_reaches_the_menus_to_publish_them_and_the_section_is_highlighted(
    world, client, django_user_model
):
    police = world["police"]
    rita = django_user_model.objects.create_user("rita", password=PASSWORD)
    Membership.objects.create(user=rita, department=police.departments.get(), role=Role.REVIEWER)
    login_staff(client, rita)
    page = client.get(f"/office/accounts/{police.pk}/menus/").content.decode()
    assert 'class="active" data-nav="menus"' in page
    assert 'class="active" data-nav="overview"' not in page
    assert 'data-nav="replies"' not in page


def test_the_dashboard_warns_when_an_account_has_published_nothing_for_12_days(
    world, client, monkeypatch
):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from weizheng.content import selectors as content

    login_staff(client, world["alice"])
    page = client.get("/office/").content.decode()
    assert 'data-testid="stale-police"' in page  # nothing published yet
    published = timezone.now()
    monkeypatch.setattr(content, "last_published_at", lambda *, account: published)
    assert 'data-testid="stale-police"' not in client.get("/office/").content.decode()
    with time_machine.travel(published + timedelta(days=12, minutes=1)):
        assert 'data-testid="stale-police"' in client.get("/office/").content.decode()


def test_one_entry_is_highlighted_even_in_another_section(world, client):
    from weizheng.staff.navigation import account_navigation
    from weizheng.staff.permissions import ALL_PERMISSIONS

    police = world["police"]
    sections = account_navigation(
        permissions=ALL_PERMISSIONS,
        account_id=police.pk,
        current=f"/office/accounts/{police.pk}/notifications/",
    )
    active = [i["key"] for s in sections for i in s["items"] if i["active"]]
    assert active == ["notifications"]


def test_the_dashboards_warning_joins_the_account_and_the_sentence_with_the_languages_colon(
    world,
):
    from django.test import Client
    from django.utils import translation

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    login_staff(client, world["alice"])
    page = client.get("/office/").content.decode()
    with translation.override("zh-hans"):
        separator = translation.pgettext("between a label and its text", ": ")
    card = page.split('data-testid="stale-police"', 1)[1].split("</div>", 1)[0]
    # no hard-coded half-width colon and space before the Chinese sentence (：once merged)
    assert f"</strong>{separator}尚未发布任何内容" in card
    assert "</strong>:" not in card or separator == ": "
