"""预约 by WeChat text through the signed callback: "预约" links to the booking page; "我的预约"
lists the citizen's upcoming bookings with links, or gives the binding link when unbound."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from weizheng.appointments import actions
from weizheng.appointments.models import Slot
from weizheng.identity.testing import make_binding
from weizheng.wechat.protocol.xmlparse import parse_xml
from weizheng.wechat.testing import post_to_callback, text_xml

from .conftest import make_window

pytestmark = pytest.mark.django_db(transaction=True)

BOUND = "oAPPTBOUND00000000000000000001"
UNBOUND = "oAPPTUNBOUND000000000000000002"
BASE = "https://wx.pingan.gov.cn"


@pytest.fixture(autouse=True)
def _quiet(monkeypatch, settings):
    monkeypatch.setattr(
        "weizheng.followers.actions._queue_profile_sync", lambda account_id, openid: None
    )
    settings.PUBLIC_BASE_URL = BASE + "/"


def send(account, openid, text):
    response = post_to_callback(Client(), account, text_xml(account, openid, text))
    assert response.status_code == 200
    return parse_xml(response.content)["Content"]


def test_yuyue_answers_with_the_booking_page(plain_account):
    content = send(plain_account, UNBOUND, "预约")

    assert f'<a href="{BASE}/h5/police/appointments/">' in content
    assert "我的预约" in content


def test_my_bookings_needs_a_binding_first(plain_account):
    content = send(plain_account, UNBOUND, "我的预约")

    assert f"{BASE}/h5/police/id/?next=%2Fh5%2Fpolice%2Fappointments%2Fmine%2F" in content


def test_my_bookings_lists_the_upcoming_ones_with_links(plain_account):
    make_binding(account=plain_account, openid=BOUND)
    window = make_window(plain_account)
    day = next(d for d in actions.offered_days(window) if d > actions.local_today())
    actions.do_prepare_day(window=window, day=day)
    slot = Slot.objects.filter(window=window, day=day).order_by("starts_at").last()
    booking = actions.check_book(account=plain_account, openid=BOUND, slot_id=slot.pk)

    content = send(plain_account, BOUND, "我的预约")

    assert (
        f'<a href="{BASE}/h5/police/appointments/b/{booking.code}/">驾驶证业务 1 号窗口</a>'
        in content
    )
    assert f"{slot.starts_at.astimezone(timezone.get_default_timezone()):%m-%d %H:%M}" in content

    actions.check_cancel(booking=booking, openid=BOUND)  # a cancelled booking is not listed
    assert booking.code not in send(plain_account, BOUND, "我的预约")
