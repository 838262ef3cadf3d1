"""Per-department scoping: alice runs the police account, bob the water account, charlie nothing."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from conftest import make_account
from weizheng.core.models import AuditLog
from weizheng.staff.models import Department, Membership, Role
from weizheng.staff.selectors import access_account, accounts_for
from weizheng.staff.testing import login_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(plain_account, django_user_model):
    water = make_account(
        "water", mode="plain", app_id="wx7c2e9a4b1d3f5e80", token="watertoken", name="平安水务集团"
    )
    police_dept = Department.objects.create(name="平安市公安局交警支队")
    police_dept.accounts.add(plain_account)
    water_dept = Department.objects.create(name="平安水务集团客服中心")
    water_dept.accounts.add(water)
    alice = django_user_model.objects.create_user(
        "alice", password="pw-alice-123456", is_staff=True
    )
    bob = django_user_model.objects.create_user("bob", password="pw-bob-123456", is_staff=True)
    charlie = django_user_model.objects.create_user(
        "charlie", password="pw-charlie-123456", is_staff=True
    )
    Membership.objects.create(user=alice, department=police_dept, role=Role.ADMINISTRATOR)
    Membership.objects.create(user=bob, department=water_dept, role=Role.EDITOR)
    return {"police": plain_account, "water": water, "alice": alice, "bob": bob, "charlie": charlie}


def test_each_clerk_sees_only_their_departments_accounts(world):
    assert list(accounts_for(world["alice"], "account.view")) == [world["police"]]
    assert list(accounts_for(world["bob"], "account.view")) == [world["water"]]
    assert not accounts_for(world["charlie"], "account.view").exists()


def test_access_hides_other_accounts_and_refuses_missing_permissions(world):
    with pytest.raises(Http404):
        access_account(world["bob"], world["police"].pk)
    with pytest.raises(PermissionDenied):
        access_account(
            world["bob"], world["water"].pk, "account.manage"
        )  # an editor does not manage
    assert access_account(world["alice"], world["police"].pk, "account.manage") == world["police"]


def test_a_clerk_cannot_see_or_edit_another_departments_account_in_the_back_office(world, client):
    police = world["police"]
    login_staff(client, world["bob"])
    listing = client.get("/admin/wechat/officialaccount/")
    assert "平安市公安局" not in listing.content.decode()
    page = client.get(f"/admin/wechat/officialaccount/{police.pk}/change/")
    assert page.status_code in (302, 403, 404)
    attempt = client.post(
        f"/admin/wechat/officialaccount/{police.pk}/change/",
        {
            "name": "被篡改",
            "slug": "police",
            "app_id": police.app_id,
            "app_secret": "",
            "token": police.token,
            "encoding_aes_key": "",
            "message_mode": "plain",
            "default_language": "zh-hans",
            "api_base_url": police.api_base_url,
            "is_active": "on",
        },
    )
    assert attempt.status_code in (302, 403, 404)
    police.refresh_from_db()
    assert police.name == "平安市公安局"
    assert not AuditLog.objects.filter(action="wechat.account.update").exists()


def test_department_staff_never_enter_the_django_admin_where_the_secrets_are(world, client):
    """Secrets are the platform operators' business: a department administrator changes their
    account's settings in /office/ and never sees the AppSecret, token or keys."""
    police = world["police"]
    login_staff(client, world["alice"])  # administrator of the police department
    for url in (
        "/admin/",
        f"/admin/wechat/officialaccount/{police.pk}/change/",
        "/admin/core/auditlog/",
    ):
        page = client.get(url)
        assert page.status_code == 302, url
        assert page["Location"].startswith("/admin/login/")
        assert police.token not in page.content.decode()
    attempt = client.post(
        f"/admin/wechat/officialaccount/{police.pk}/change/",
        {
            "name": "改名",
            "slug": "police",
            "app_id": police.app_id,
            "token": police.token,
            "message_mode": "plain",
            "default_language": "zh-hans",
            "api_base_url": "https://attacker.example/",
            "is_active": "on",
        },
    )
    assert attempt.status_code == 302
    police.refresh_from_db()
    assert police.api_base_url != "https://attacker.example/"
    assert not AuditLog.objects.filter(action="wechat.account.update").exists()
