"""On the day: 取号 within the check-in span, queue numbers sequential per window and day and
never given twice, calling the next, completed and no-show (notified, counted by the rule);
the reminder the day before sent once; past bookings never checked in become no-shows once."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command

from weizheng.appointments import actions
from weizheng.appointments.models import Booking, BookingStatus, WindowDay
from weizheng.core.errors import AppError
from weizheng.core.models import AuditLog
from weizheng.identity.testing import make_binding
from weizheng.notifications.models import Notification

from .conftest import LI, ZHANG, at, make_window, slot_at

pytestmark = pytest.mark.django_db

CHEN = "oCHEN000000000000000000000004"


def book(account, openid, slot):
    return actions.check_book(account=account, openid=openid, slot_id=slot.pk)


@pytest.fixture
def chen(plain_account):
    return make_binding(
        account=plain_account, openid=CHEN, name="陈静", id_number="110101199003070011"
    )


def test_a_citizen_takes_a_number_from_30_minutes_before_to_15_after_the_start(
    frozen, plain_account, window, zhang
):
    booking = book(plain_account, ZHANG, slot_at(window, at(7, 10, 0)))

    frozen.move_to(at(7, 9, 29))
    with pytest.raises(AppError) as early:
        actions.check_citizen_check_in(booking=booking, openid=ZHANG)
    assert early.value.code == "too_early" and "09:30" in early.value.message

    frozen.move_to(at(7, 10, 16))
    with pytest.raises(AppError) as late:
        actions.check_citizen_check_in(booking=booking, openid=ZHANG)
    assert late.value.code == "too_late" and "10:15" in late.value.message
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED and booking.queue_number is None
    assert WindowDay.objects.get(window=window, day=booking.day).last_queue_number == 0

    frozen.move_to(at(7, 9, 30))
    checked = actions.check_citizen_check_in(booking=booking, openid=ZHANG)
    assert checked.status == BookingStatus.CHECKED_IN and checked.queue_number == 1
    assert AuditLog.objects.get(action="appointments.booking.check_in").actor_label == "citizen"


def test_queue_numbers_are_sequential_per_window_and_day(
    frozen, plain_account, window, zhang, li, chen, staff
):
    other = make_window(plain_account, name="机动车登记 2 号窗口")
    first = book(plain_account, ZHANG, slot_at(window, at(7, 10, 0)))
    second = book(plain_account, LI, slot_at(window, at(7, 10, 0)))
    third = book(plain_account, CHEN, slot_at(window, at(7, 10, 30)))
    elsewhere = book(plain_account, ZHANG, slot_at(other, at(7, 10, 0)))
    frozen.move_to(at(7, 9, 45))

    numbers = [
        actions.check_citizen_check_in(booking=second, openid=LI).queue_number,
        actions.check_staff_check_in(booking=third, actor=staff["hank"]).queue_number,
        actions.check_citizen_check_in(booking=first, openid=ZHANG).queue_number,
        actions.check_citizen_check_in(booking=elsewhere, openid=ZHANG).queue_number,
    ]

    assert numbers == [1, 2, 3, 1]


def test_a_booking_is_checked_in_once_and_no_number_is_skipped(
    frozen, plain_account, window, zhang, li, staff
):
    first = book(plain_account, ZHANG, slot_at(window, at(7, 10, 0)))
    second = book(plain_account, LI, slot_at(window, at(7, 10, 0)))
    frozen.move_to(at(7, 9, 45))
    actions.check_citizen_check_in(booking=first, openid=ZHANG)

    with pytest.raises(AppError) as again:
        actions.check_staff_check_in(booking=first, actor=staff["hank"])

    assert again.value.code == "not_booked"
    assert actions.check_citizen_check_in(booking=second, openid=LI).queue_number == 2


def test_the_clerk_checks_in_only_bookings_of_today(frozen, plain_account, window, zhang, staff):
    tomorrow = book(plain_account, ZHANG, slot_at(window, at(8, 9, 0)))

    with pytest.raises(AppError) as caught:
        actions.check_staff_check_in(booking=tomorrow, actor=staff["hank"])

    assert caught.value.code == "not_today"


def test_call_next_calls_the_lowest_waiting_number_once(
    frozen, plain_account, window, zhang, li, staff
):
    first = book(plain_account, ZHANG, slot_at(window, at(7, 10, 0)))
    second = book(plain_account, LI, slot_at(window, at(7, 10, 0)))
    frozen.move_to(at(7, 9, 45))
    actions.check_citizen_check_in(booking=second, openid=LI)
    actions.check_citizen_check_in(booking=first, openid=ZHANG)
    day = date(2026, 12, 7)

    called = [actions.do_call_next(window=window, day=day, actor=staff["hank"]) for _ in range(3)]

    assert [b.queue_number if b else None for b in called] == [1, 2, None]
    assert called[0].openid == LI


def test_completed_needs_a_check_in_and_no_show_waits_for_the_start(
    frozen, plain_account, window, zhang, staff
):
    booking = book(plain_account, ZHANG, slot_at(window, at(7, 10, 0)))
    frozen.move_to(at(7, 9, 45))

    with pytest.raises(AppError) as not_in:
        actions.check_finish(booking=booking, outcome="completed", actor=staff["hank"])
    assert not_in.value.code == "not_checked_in"
    with pytest.raises(AppError) as early:
        actions.check_finish(booking=booking, outcome="no_show", actor=staff["hank"])
    assert early.value.code == "too_early_no_show"

    frozen.move_to(at(7, 10, 20))
    missed = actions.check_finish(booking=booking, outcome="no_show", actor=staff["hank"])

    assert missed.status == BookingStatus.NO_SHOW
    notice = Notification.objects.get(kind="appointments.no_show")
    assert notice.openid == ZHANG and "90 天内爽约 3 次" in notice.variables["rule"]
    assert AuditLog.objects.get(action="appointments.booking.no_show").actor == staff["hank"]


def test_a_served_citizen_is_completed(frozen, plain_account, window, zhang, staff):
    booking = book(plain_account, ZHANG, slot_at(window, at(7, 10, 0)))
    frozen.move_to(at(7, 9, 50))
    actions.check_citizen_check_in(booking=booking, openid=ZHANG)

    done = actions.check_finish(booking=booking, outcome="completed", actor=staff["hank"])

    assert done.status == BookingStatus.COMPLETED and done.finished_at is not None
    assert not Notification.objects.filter(kind="appointments.no_show").exists()


def test_the_reminder_goes_out_the_day_before_and_only_once(
    frozen, plain_account, window, zhang, monkeypatch
):
    booking = book(plain_account, ZHANG, slot_at(window, at(9, 9, 0)))  # Wednesday 09:00
    frozen.move_to(at(8, 8, 59))  # more than 24 hours before: not yet

    assert actions.do_send_due_reminders() == 0

    frozen.move_to(at(8, 9, 0))
    assert actions.do_send_due_reminders() == 1
    assert actions.do_send_due_reminders() == 0
    # The command does the same pass (its connection housekeeping would end the test's).
    monkeypatch.setattr(
        "weizheng.appointments.management.commands.appointments_remind.close_old_connections",
        lambda: None,
    )
    out = io.StringIO()
    call_command("appointments_remind", stdout=out)
    assert out.getvalue().strip() == "0 reminders queued, 0 no-shows recorded."

    reminders = Notification.objects.filter(kind="appointments.reminder")
    assert reminders.count() == 1 and reminders.get().openid == ZHANG
    booking.refresh_from_db()
    assert booking.reminded_at == at(8, 9, 0)


def test_a_booking_made_less_than_a_day_ahead_gets_no_reminder(
    frozen, plain_account, window, zhang
):
    frozen.move_to(at(7, 16, 0))
    book(plain_account, ZHANG, slot_at(window, at(8, 9, 0)))  # 17 hours ahead: just confirmed

    frozen.move_to(at(8, 8, 0))
    assert actions.do_send_due_reminders() == 0
    assert not Notification.objects.filter(kind="appointments.reminder").exists()


def test_cancelled_bookings_get_no_reminder(frozen, plain_account, window, zhang):
    booking = book(plain_account, ZHANG, slot_at(window, at(9, 9, 0)))
    actions.check_cancel(booking=booking, openid=ZHANG)

    frozen.move_to(at(8, 10, 0))
    assert actions.do_send_due_reminders() == 0


def test_past_bookings_never_checked_in_become_no_shows_once(
    frozen, plain_account, window, zhang, li
):
    missed = book(plain_account, ZHANG, slot_at(window, at(7, 10, 0)))
    came = book(plain_account, LI, slot_at(window, at(7, 10, 0)))
    frozen.move_to(at(7, 9, 50))
    actions.check_citizen_check_in(booking=came, openid=LI)

    frozen.move_to(at(8, 7, 0))
    assert actions.do_record_past_no_shows() == 1
    assert actions.do_record_past_no_shows() == 0

    missed.refresh_from_db()
    assert missed.status == BookingStatus.NO_SHOW
    assert Booking.objects.get(pk=came.pk).status == BookingStatus.CHECKED_IN
    assert Notification.objects.filter(kind="appointments.no_show").count() == 1
    assert AuditLog.objects.get(action="appointments.booking.no_show").actor_label == "system"
