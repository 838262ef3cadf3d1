"""What other apps rely on: active_binding, binding_required, make_binding; and how a binding is
stored (encrypted, blind-indexed, one active per openid and per ID number)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from conftest import make_account
from weizheng.core.crypto import blind_index
from weizheng.identity.decorators import binding_required
from weizheng.identity.models import ID_NUMBER_CONTEXT, PHONE_CONTEXT, Binding
from weizheng.identity.selectors import active_binding
from weizheng.identity.testing import make_binding

pytestmark = pytest.mark.django_db

ALICE = "oAlice0000000000000000000001"
BOB = "oBob00000000000000000000002"


@pytest.fixture
def water(db):
    return make_account("water", mode="plain", app_id="wx2222222222222222", token="watertoken")


def test_active_binding_finds_only_this_openid_on_this_account(plain_account, water):
    binding = make_binding(account=plain_account, openid=ALICE)

    assert active_binding(account=plain_account, openid=ALICE) == binding
    assert active_binding(account=plain_account, openid=BOB) is None
    assert active_binding(account=water, openid=ALICE) is None
    assert active_binding(account=plain_account, openid="") is None


def test_an_unbound_binding_is_not_active(plain_account):
    binding = make_binding(account=plain_account, openid=ALICE)
    binding.unbound_at = timezone.now()
    binding.save(update_fields=["unbound_at"])

    assert active_binding(account=plain_account, openid=ALICE) is None


def test_personal_fields_are_encrypted_at_rest(plain_account):
    binding = make_binding(account=plain_account, openid=ALICE, name="李娜")

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, id_number, phone FROM identity_binding WHERE id = %s", [binding.pk]
        )
        raw = " ".join(cursor.fetchone())
    for plaintext in ("李娜", "11010519491231002X", "13800138000", "1949", "8000"):
        assert plaintext not in raw
    assert raw.startswith("v1:")
    again = Binding.objects.get(pk=binding.pk)
    assert (again.name, again.id_number, again.phone) == (
        "李娜",
        "11010519491231002X",
        "13800138000",
    )


def test_a_binding_is_found_by_blind_index(plain_account):
    binding = make_binding(account=plain_account, openid=ALICE, id_number="11010519491231002x")

    by_id = blind_index("11010519491231002X", context=ID_NUMBER_CONTEXT)
    by_phone = blind_index("13800138000", context=PHONE_CONTEXT)
    assert Binding.objects.get(account=plain_account, id_number_index=by_id) == binding
    assert Binding.objects.get(account=plain_account, phone_index=by_phone) == binding


def test_one_active_binding_per_openid(plain_account):
    make_binding(account=plain_account, openid=ALICE)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_binding(account=plain_account, openid=ALICE, id_number="440304199003071512")


def test_one_active_binding_per_id_number_on_an_account(plain_account, water):
    make_binding(account=plain_account, openid=ALICE)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_binding(account=plain_account, openid=BOB)
    # Another account may bind the same person.
    make_binding(account=water, openid=BOB)


def test_the_id_number_is_free_again_once_unbound(plain_account):
    first = make_binding(account=plain_account, openid=ALICE)
    first.unbound_at = timezone.now()
    first.save(update_fields=["unbound_at"])

    second = make_binding(account=plain_account, openid=BOB)
    assert active_binding(account=plain_account, openid=BOB) == second


def _page(request):
    return HttpResponse(f"bound {request.binding.pk}")


def _request(account, openid, path="/h5/police/records/traffic/?plate=A1"):
    request = RequestFactory().get(path)
    request.account = account
    request.citizen_openid = openid
    return request


def test_binding_required_sends_an_unbound_citizen_to_the_binding_page(plain_account):
    response = binding_required(_page)(_request(plain_account, ALICE))

    assert response.status_code == 302
    assert response["Location"] == (
        "/h5/police/id/?next=%2Fh5%2Fpolice%2Frecords%2Ftraffic%2F%3Fplate%3DA1"
    )


def test_binding_required_passes_the_binding_to_the_view(plain_account):
    binding = make_binding(account=plain_account, openid=ALICE)

    response = binding_required(_page)(_request(plain_account, ALICE))

    assert response.status_code == 200
    assert response.content.decode() == f"bound {binding.pk}"


def test_phone_for_notifications_is_the_bound_phone(plain_account, settings):
    from weizheng.identity.selectors import phone_for_notifications
    from weizheng.notifications.sms import phone_for

    make_binding(account=plain_account, openid=ALICE, phone="13912345678")
    assert phone_for_notifications(plain_account, ALICE) == "13912345678"
    assert phone_for_notifications(plain_account, BOB) is None
    settings.NOTIFICATIONS_PHONE_LOOKUP = "weizheng.identity.selectors.phone_for_notifications"
    assert phone_for(plain_account, ALICE) == "13912345678"
    assert phone_for(plain_account, BOB) is None
