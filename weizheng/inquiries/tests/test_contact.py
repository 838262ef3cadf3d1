"""A named request's contact: the phone is checked when given (a mainland mobile or a landline
with its area code); clerks see it masked, and a clerk who handles the request may reveal it —
by POST, audited, for that page only. Anyone else gets 404 and nothing is recorded or shown."""

from __future__ import annotations

import pytest

from weizheng.core.errors import AppError
from weizheng.core.models import AuditLog
from weizheng.inquiries.models import Inquiry

from .conftest import CITIZEN, as_citizen, signed_in, submit

REVEALED = "inquiries.inquiry.contact_revealed"


@pytest.mark.parametrize("phone", ["12345", "1391234567", "23912345678", "8765432", "abc"])
def test_a_phone_we_cannot_call_back_is_refused(world, phone):
    with pytest.raises(AppError) as refused:
        submit(world, is_anonymous=False, contact_name="赵六", contact_phone=phone)
    assert refused.value.code == "bad_phone"
    assert refused.value.extra["field"] == "contact"
    assert not Inquiry.objects.exists()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("139 1234 5678", "13912345678"),
        ("+86 139-1234-5678", "13912345678"),
        ("010-12345678", "010-12345678"),
        ("(0571) 8765 4321", "0571-87654321"),
    ],
)
def test_a_mobile_or_a_landline_with_its_area_code_is_accepted(world, typed, stored):
    inquiry = submit(world, is_anonymous=False, contact_name="赵六", contact_phone=typed)
    assert inquiry.contact_phone == stored


def test_the_form_shows_the_phone_refusal_and_sends_nothing(world, client):
    as_citizen(client, world["gov"], CITIZEN)
    response = client.post(
        "/h5/gov/wenzheng/new/",
        {
            "category": "city",
            "description": "路灯不亮",
            "named": "1",
            "contact_name": "赵六",
            "contact_phone": "12345",
        },
    )
    assert response.status_code == 400
    assert "0571-87654321" in response.content.decode()  # the reason shows both forms
    assert not Inquiry.objects.exists()


@pytest.fixture
def named(world):
    return submit(
        world,
        category="traffic",
        description="解放路口红绿灯太短",
        is_anonymous=False,
        contact_name="赵六一",
        contact_phone="13912345678",
    )


def page(world, user, inquiry, method="get"):
    client = signed_in(user)
    base = f"/office/accounts/{world['police_account'].pk}/inquiries/{inquiry.pk}/"
    if method == "post":
        return client.post(base + "contact/")
    return client.get(base)


def test_the_page_shows_the_contact_masked_and_a_get_reveals_nothing(world, named):
    html = page(world, world["pete"], named).content.decode()
    assert "139****5678" in html and "赵**" in html
    assert "13912345678" not in html and "赵六一" not in html
    assert 'data-testid="reveal-contact"' in html
    assert not AuditLog.objects.filter(action=REVEALED).exists()


def test_the_handler_reveals_the_contact_for_one_page_view_audited(world, named):
    response = page(world, world["pete"], named, method="post")
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "13912345678" in html and "赵六一" in html
    assert 'data-testid="contact-revealed"' in html
    row = AuditLog.objects.get(action=REVEALED)
    assert row.actor == world["pete"]
    assert row.detail["public_id"] == named.public_id
    assert row.detail["fields"] == ["name", "phone"]
    # the next look is masked again
    again = page(world, world["pete"], named).content.decode()
    assert "13912345678" not in again


def test_the_supervisor_may_reveal_too(world, named):
    response = signed_in(world["gina"]).post(
        f"/office/accounts/{world['gov'].pk}/inquiries/{named.pk}/contact/"
    )
    assert response.status_code == 200 and "13912345678" in response.content.decode()
    assert AuditLog.objects.filter(action=REVEALED, actor=world["gina"]).count() == 1


@pytest.mark.parametrize("stranger", ["olga", "wanda", "ann"])
def test_a_clerk_of_another_department_gets_404_and_nothing_is_revealed(world, named, stranger):
    response = page(world, world[stranger], named, method="post")
    assert response.status_code == 404
    assert b"13912345678" not in response.content
    assert not AuditLog.objects.filter(action=REVEALED).exists()


def test_a_get_to_the_reveal_address_is_refused(world, named):
    client = signed_in(world["pete"])
    url = f"/office/accounts/{world['police_account'].pk}/inquiries/{named.pk}/contact/"
    response = client.get(url)
    assert response.status_code == 405
    assert not AuditLog.objects.filter(action=REVEALED).exists()


def test_an_anonymous_request_has_nothing_to_reveal(world):
    inquiry = submit(world, category="traffic", description="解放路口红绿灯太短")
    response = page(world, world["pete"], inquiry, method="post")
    assert response.status_code == 409
    assert not AuditLog.objects.filter(action=REVEALED).exists()
