"""The back office's binding look-up: permission (404 / 403), masked results, audited searches with
masked terms, and unbinding by an administrator with a reason."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import make_account
from weizheng.core.models import AuditLog
from weizheng.identity.models import Binding
from weizheng.identity.selectors import active_binding
from weizheng.identity.testing import make_binding
from weizheng.staff.models import Department, Membership, Role
from weizheng.staff.testing import login_staff

pytestmark = pytest.mark.django_db

LINA = "oLiNa000000000000000000000001"


@pytest.fixture
def water(db):
    return make_account("water", mode="plain", app_id="wx2222222222222222", token="watertoken")


def staff(django_user_model, name, account, role):
    department, _ = Department.objects.get_or_create(name=f"dept-{account.slug}")
    department.accounts.add(account)
    user = django_user_model.objects.create_user(name, password="pw-2026-identity!")
    Membership.objects.create(user=user, department=department, role=role)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_staff(client, user)
    return client


@pytest.fixture
def admin(plain_account, django_user_model):
    return staff(django_user_model, "admin", plain_account, Role.ADMINISTRATOR)


@pytest.fixture
def handler(plain_account, django_user_model):
    return staff(django_user_model, "handler", plain_account, Role.HANDLER)


@pytest.fixture
def editor(plain_account, django_user_model):
    return staff(django_user_model, "editor", plain_account, Role.EDITOR)


@pytest.fixture
def water_admin(water, django_user_model):
    return staff(django_user_model, "water_admin", water, Role.ADMINISTRATOR)


@pytest.fixture
def binding(plain_account):
    return make_binding(account=plain_account, openid=LINA, name="李娜")


def url(account, suffix=""):
    return f"/office/accounts/{account.pk}/identity/{suffix}"


def lookups():
    return AuditLog.objects.filter(action="identity.office.lookup")


@pytest.mark.parametrize(
    ("by", "value"),
    [("id_number", "11010519491231002x"), ("phone", "138 0013 8000"), ("openid", LINA)],
)
def test_a_handler_finds_a_binding_masked_and_the_search_is_audited(
    plain_account, handler, binding, by, value
):
    page = handler.post(url(plain_account), {"by": by, "q": value})

    html = page.content.decode()
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert f'data-testid="binding-{binding.pk}"' in html
    for shown in ("李*", "110105********002X", "138****8000"):
        assert shown in html
    for hidden in ("李娜", "11010519491231002X", "13800138000"):
        assert hidden not in html
    assert "Unbind" not in html  # handlers may look, not unbind
    row = lookups().get()
    assert row.actor.username == "handler" and row.account == plain_account
    assert row.detail["by"] == by and row.detail["found"] == [binding.pk]
    assert "11010519491231002X" not in str(row.detail) and "13800138000" not in str(row.detail)


def test_no_match_is_audited_too(plain_account, handler, binding):
    page = handler.post(url(plain_account), {"by": "id_number", "q": "440304199003071512"})
    assert 'data-testid="no-results"' in page.content.decode()
    row = lookups().get()
    assert row.detail == {"by": "id_number", "term": "440304********1512", "found": []}


def test_the_page_itself_shows_nothing_and_audits_nothing(plain_account, handler, binding):
    page = handler.get(url(plain_account))
    assert page.status_code == 200 and 'data-testid="results"' not in page.content.decode()
    assert not lookups().exists()


def test_another_accounts_binding_is_not_found(plain_account, water, water_admin, binding):
    page = water_admin.post(url(water), {"by": "openid", "q": LINA})
    assert f'data-testid="binding-{binding.pk}"' not in page.content.decode()


def test_a_bad_search_is_400_and_not_audited(plain_account, handler):
    assert handler.post(url(plain_account), {"by": "name", "q": "李娜"}).status_code == 400
    assert handler.post(url(plain_account), {"by": "phone", "q": ""}).status_code == 400
    assert not lookups().exists()


def test_a_clerk_of_another_department_gets_404_and_nothing_is_audited(
    plain_account, water_admin, binding
):
    assert water_admin.get(url(plain_account)).status_code == 404
    assert water_admin.post(url(plain_account), {"by": "openid", "q": LINA}).status_code == 404
    assert not lookups().exists()


def test_an_editor_without_identity_view_gets_403_and_nothing_is_audited(
    plain_account, editor, binding
):
    assert editor.get(url(plain_account)).status_code == 403
    assert editor.post(url(plain_account), {"by": "openid", "q": LINA}).status_code == 403
    assert not lookups().exists()


def test_someone_not_signed_in_is_sent_to_the_login(plain_account, binding):
    response = Client().post(url(plain_account), {"by": "openid", "q": LINA})
    assert response.status_code == 302 and "/office/login/" in response["Location"]
    assert not lookups().exists()


def test_an_administrator_unbinds_on_request_with_a_reason(plain_account, admin, binding):
    assert "Unbind" in admin.post(url(plain_account), {"by": "openid", "q": LINA}).content.decode()

    response = admin.post(
        url(plain_account, f"{binding.pk}/unbind/"), {"reason": "本人到大厅申请解绑"}
    )

    assert response.status_code == 302
    binding.refresh_from_db()
    assert binding.unbound_at is not None and binding.unbound_by.username == "admin"
    assert binding.unbind_reason == "本人到大厅申请解绑"
    assert (binding.name, binding.id_number, binding.phone) == ("", "", "")
    row = AuditLog.objects.get(action="identity.unbound")
    assert row.actor.username == "admin" and row.detail["by"] == "staff"


def test_unbinding_needs_a_reason(plain_account, admin, binding):
    admin.post(url(plain_account, f"{binding.pk}/unbind/"), {"reason": " "})
    assert active_binding(account=plain_account, openid=LINA) == binding
    assert not AuditLog.objects.filter(action="identity.unbound").exists()


def test_a_handler_may_not_unbind(plain_account, handler, binding):
    response = handler.post(url(plain_account, f"{binding.pk}/unbind/"), {"reason": "x"})
    assert response.status_code == 403
    assert active_binding(account=plain_account, openid=LINA) == binding
    assert not AuditLog.objects.filter(action="identity.unbound").exists()


def test_an_administrator_cannot_unbind_another_accounts_binding(
    plain_account, water, water_admin, binding
):
    response = water_admin.post(url(water, f"{binding.pk}/unbind/"), {"reason": "x"})
    assert response.status_code == 404
    assert Binding.objects.get(pk=binding.pk).unbound_at is None


def test_results_show_labels_how_the_identity_was_checked_and_a_masked_openid(
    plain_account, handler, binding
):
    Binding.objects.filter(pk=binding.pk).update(verified_by="accept-valid")
    page = handler.post(url(plain_account), {"by": "openid", "q": LINA}).content.decode()
    assert ">Active<" in page
    assert "Not verified by public security (ID number format checked only)" in page
    assert LINA not in page and f"{LINA[:4]}…{LINA[-4:]}" in page


def test_a_wrong_check_digit_says_so_and_looks_nothing_up(plain_account, handler, binding):
    page = handler.post(url(plain_account), {"by": "id_number", "q": "110105194912310021"})
    assert page.status_code == 400
    html = page.content.decode()
    assert "No look-up was made" in html and "No binding matches" not in html
    assert "typing mistake" in html
    assert not lookups().exists()
