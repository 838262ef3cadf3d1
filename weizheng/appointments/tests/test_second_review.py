"""The second reviewer's defects of appointments: Chinese typography on the citizen's pages
and the citizen-facing label of a cancellation."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from weizheng.appointments import actions
from weizheng.appointments.models import Booking, BookingStatus
from weizheng.eservices.models import ServiceGuide

from .conftest import ZHANG, as_citizen, at, slot_at

pytestmark = pytest.mark.django_db

BASE = "/h5/police/appointments/"
# After Chinese text: a half-width colon, or a space after a full stop or a full-width colon.
BAD_TYPOGRAPHY = re.compile(r"[\u4e00-\u9fff）]:\s|[。：，；][ \t]+\S")


def text_of(html: str) -> str:
    """The page's text as a reader sees it, tags removed."""
    return re.sub(r"<[^>]+>", "", html)


def assert_chinese_typography(html: str) -> None:
    found = BAD_TYPOGRAPHY.search(text_of(html))
    assert found is None, text_of(html)[max(found.start() - 40, 0) : found.end() + 40]


def chinese_phone(account, openid):
    return as_citizen(Client(HTTP_ACCEPT_LANGUAGE="zh-hans"), account, openid)


def test_a_window_names_its_service_with_a_full_width_colon(frozen, plain_account, window, zhang):
    window.guide = ServiceGuide.objects.create(
        account=plain_account, title="机动车驾驶证补领", code="PA-JJ-0101"
    )
    window.save(update_fields=["guide"])
    page = chinese_phone(plain_account, ZHANG).get(f"{BASE}w/{window.pk}/").content.decode()
    assert "机动车驾驶证补领" in page
    assert_chinese_typography(page)


def test_the_rescheduled_notice_has_no_space_after_its_full_stop(
    frozen, plain_account, window, zhang
):
    old = actions.check_book(
        account=plain_account, openid=ZHANG, slot_id=slot_at(window, at(8, 9, 0)).pk
    )
    client = chinese_phone(plain_account, ZHANG)
    moved = client.post(
        f"{BASE}w/{window.pk}/slot/{slot_at(window, at(9, 14, 0)).pk}/", {"reschedule": old.code}
    )
    page = client.get(moved["Location"]).content.decode()
    new = Booking.objects.get(status=BookingStatus.BOOKED)
    assert new.code in page and 'data-testid="former-cancelled"' in page and old.code in page
    assert_chinese_typography(page)
