"""The back office: windows configured with eservices.manage, the day's queue with cases.handle
(masked citizens, every view audited), check-in, call next, completed and no-show, closing a day;
404 for another department's account and 403 without the permission, nothing changed."""

from __future__ import annotations

import pytest
from django.test import Client

from weizheng.appointments import actions
from weizheng.appointments.models import Booking, BookingStatus, Window, WindowDay
from weizheng.core.models import AuditLog
from weizheng.notifications.models import Notification
from weizheng.staff.testing import login_staff

from .conftest import LI, ZHANG, at, slot_at

pytestmark = pytest.mark.django_db


def office(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_staff(client, user)
    return client


def base(account):
    return f"/office/accounts/{account.pk}/appointments/"


def window_form(**overrides):
    data = {
        "name": "出入境办证大厅 3 号窗口",
        "place": "平安市出入境办证大厅",
        "guide": "",
        "notes": "请携带居民身份证。",
        "slot_minutes": "30",
        "capacity": "5",
        "days_ahead": "7",
        "cutoff_minutes": "60",
        "checkin_before_minutes": "30",
        "checkin_after_minutes": "15",
        "no_show_limit": "3",
        "no_show_days": "90",
        "block_days": "30",
        "is_active": "on",
        **{f"hours_{d}": "08:30-12:00, 14:00-17:30" for d in range(5)},
        "hours_5": "",
        "hours_6": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def booked(frozen, plain_account, window, zhang, li):
    """Two bookings today at 10:00 (张三, 李四), seen by the clerk at 09:45."""
    slot = slot_at(window, at(7, 10, 0))
    made = [
        actions.check_book(account=plain_account, openid=o, slot_id=slot.pk) for o in (ZHANG, LI)
    ]
    frozen.move_to(at(7, 9, 45))
    return made


def test_an_administrator_creates_a_window_with_its_hours(plain_account, staff):
    client = office(staff["alice"])
    assert client.get(base(plain_account) + "windows/new/").status_code == 200

    answer = client.post(base(plain_account) + "windows/new/", window_form())

    assert answer.status_code == 302
    window = Window.objects.get(name="出入境办证大厅 3 号窗口")
    assert window.capacity == 5 and window.periods.count() == 10
    row = AuditLog.objects.get(action="appointments.window.create")
    assert row.actor == staff["alice"] and row.detail["capacity"] == 5
    listing = client.get(base(plain_account)).content.decode()
    assert f'data-window="{window.pk}"' in listing


def test_unreadable_or_overlapping_hours_are_refused_and_nothing_is_saved(plain_account, staff):
    client = office(staff["alice"])

    unreadable = client.post(base(plain_account) + "windows/new/", window_form(hours_0="8点半"))
    overlapping = client.post(
        base(plain_account) + "windows/new/", window_form(hours_1="08:30-12:00, 11:00-13:00")
    )

    assert unreadable.status_code == 400 and 'data-error="hours_0"' in unreadable.content.decode()
    assert overlapping.status_code == 400
    assert "overlap" in overlapping.content.decode()
    assert not Window.objects.exists()


def test_a_handler_sees_the_queue_masked_and_the_view_is_audited(
    plain_account, window, staff, booked
):
    page = office(staff["hank"]).get(base(plain_account) + f"windows/{window.pk}/queue/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "张*" in html and "李*" in html and "110105********002X" in html
    assert "张三" not in html and "11010519491231002X" not in html
    row = AuditLog.objects.get(action="appointments.queue.view")
    assert row.actor == staff["hank"] and row.account == plain_account
    assert row.detail == {"day": "2026-12-07", "bookings_shown": 2}
    assert page["Cache-Control"] == "no-store"


def test_the_clerk_checks_in_calls_and_completes(plain_account, window, staff, booked):
    client = office(staff["hank"])
    queue = base(plain_account) + f"windows/{window.pk}/"
    zhang, li = booked

    client.post(queue + f"bookings/{li.pk}/check-in/")
    client.post(queue + f"bookings/{zhang.pk}/check-in/")
    called = client.post(queue + "queue/call/")
    client.post(queue + f"bookings/{li.pk}/finish/", {"outcome": "completed"})

    assert called.status_code == 302
    li.refresh_from_db()
    zhang.refresh_from_db()
    assert (li.queue_number, zhang.queue_number) == (1, 2)
    assert li.status == BookingStatus.COMPLETED and li.called_at is not None
    assert zhang.status == BookingStatus.CHECKED_IN and zhang.called_at is None
    page = client.get(queue + "queue/").content.decode()
    assert 'data-field="serving">001<' in page


def test_the_clerk_records_a_no_show_and_the_citizen_is_told(
    frozen, plain_account, window, staff, booked
):
    frozen.move_to(at(7, 10, 20))
    zhang = booked[0]

    office(staff["hank"]).post(
        base(plain_account) + f"windows/{window.pk}/bookings/{zhang.pk}/finish/",
        {"outcome": "no_show"},
    )

    assert Booking.objects.get(pk=zhang.pk).status == BookingStatus.NO_SHOW
    assert Notification.objects.filter(kind="appointments.no_show", openid=ZHANG).count() == 1


def test_closing_a_day_from_the_queue_page_cancels_and_notifies(
    plain_account, window, staff, booked
):
    answer = office(staff["alice"]).post(
        base(plain_account) + f"windows/{window.pk}/close-day/",
        {"day": "2026-12-07", "reason": "系统故障暂停办理"},
    )

    assert answer.status_code == 302
    assert set(Booking.objects.values_list("status", flat=True)) == {BookingStatus.CANCELLED}
    assert Notification.objects.filter(kind="appointments.cancelled_by_office").count() == 2
    assert WindowDay.objects.get(window=window, day="2026-12-07").is_closed


def test_a_handler_cannot_configure_windows_or_close_days(plain_account, window, staff, booked):
    client = office(staff["hank"])

    assert client.get(base(plain_account)).status_code == 200
    assert client.get(base(plain_account) + "windows/new/").status_code == 403
    assert client.post(base(plain_account) + "windows/new/", window_form()).status_code == 403
    assert client.get(base(plain_account) + f"windows/{window.pk}/").status_code == 403
    closing = client.post(
        base(plain_account) + f"windows/{window.pk}/close-day/",
        {"day": "2026-12-07", "reason": "x"},
    )
    assert closing.status_code == 403
    assert Window.objects.count() == 1
    assert not Booking.objects.filter(status=BookingStatus.CANCELLED).exists()


def test_an_editor_without_either_permission_gets_403_and_sees_nobody(
    plain_account, window, staff, booked
):
    client = office(staff["bob"])

    assert client.get(base(plain_account)).status_code == 403
    assert client.get(base(plain_account) + f"windows/{window.pk}/queue/").status_code == 403
    assert (
        client.post(
            base(plain_account) + f"windows/{window.pk}/bookings/{booked[0].pk}/check-in/"
        ).status_code
        == 403
    )
    assert not AuditLog.objects.filter(action="appointments.queue.view").exists()
    assert Booking.objects.filter(status=BookingStatus.BOOKED).count() == 2


def test_an_administrator_of_another_account_gets_404_and_changes_nothing(
    plain_account, window, staff, booked
):
    client = office(staff["carol"])
    paths = [
        ("get", ""),
        ("get", f"windows/{window.pk}/queue/"),
        ("get", f"windows/{window.pk}/"),
        ("post", f"windows/{window.pk}/queue/call/"),
        ("post", f"windows/{window.pk}/bookings/{booked[0].pk}/check-in/"),
        ("post", f"windows/{window.pk}/close-day/"),
    ]
    for method, path in paths:
        assert getattr(client, method)(base(plain_account) + path).status_code == 404, path
    assert not AuditLog.objects.filter(action="appointments.queue.view").exists()
    assert Booking.objects.filter(status=BookingStatus.BOOKED).count() == 2


def test_a_booking_of_another_window_is_not_found(plain_account, window, staff, booked):
    from .conftest import make_window

    other = make_window(plain_account, name="机动车登记 2 号窗口")

    answer = office(staff["hank"]).post(
        base(plain_account) + f"windows/{other.pk}/bookings/{booked[0].pk}/check-in/"
    )

    assert answer.status_code == 404
    assert Booking.objects.get(pk=booked[0].pk).status == BookingStatus.BOOKED
