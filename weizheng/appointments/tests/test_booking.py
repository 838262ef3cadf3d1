"""Booking rules, through the actions: capacity, one booking a day, working days only, how far
ahead, the cut-off, the no-show block, cancel and reschedule atomics, notifications queued in
the booking's own transaction (and never when it rolls back)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import transaction

from weizheng.appointments import actions, selectors
from weizheng.appointments.models import Booking, BookingStatus, Slot, WindowDay
from weizheng.core.errors import AppError
from weizheng.core.models import AuditLog, HolidayKind
from weizheng.core.workdays import do_save_holiday
from weizheng.notifications.models import Notification

from .conftest import LI, WANG, ZHANG, at, make_window, slot_at

pytestmark = pytest.mark.django_db


def book(account, openid, slot):
    return actions.check_book(account=account, openid=openid, slot_id=slot.pk)


def refusal(call) -> AppError:
    with pytest.raises(AppError) as caught:
        call()
    return caught.value


def kinds(openid=None):
    rows = Notification.objects.order_by("pk")
    if openid:
        rows = rows.filter(openid=openid)
    return [n.kind for n in rows]


def test_a_bound_citizen_books_a_place_and_is_notified_with_the_time_and_place(
    frozen, plain_account, window, zhang
):
    slot = slot_at(window, at(8, 9, 0))

    booking = book(plain_account, ZHANG, slot)

    assert booking.status == BookingStatus.BOOKED and booking.binding == zhang
    assert booking.day == date(2026, 12, 8) and len(booking.code) == 8
    assert Slot.objects.get(pk=slot.pk).booked == 1
    notification = Notification.objects.get(openid=ZHANG)
    assert notification.kind == "appointments.booked"
    assert notification.variables["time"] == "12月8日（周二）09:00–09:30"
    assert notification.variables["place"] == "车管所一楼综合服务大厅"
    assert notification.variables["link"].endswith(f"/h5/police/appointments/b/{booking.code}/")
    row = AuditLog.objects.get(action="appointments.booking.book")
    assert row.actor_label == "citizen" and row.target_id == str(booking.pk)


def test_an_unbound_citizen_cannot_book_and_nothing_is_written(frozen, plain_account, window):
    slot = slot_at(window, at(8, 9, 0))

    error = refusal(lambda: book(plain_account, WANG, slot))

    assert error.code == "binding_required" and error.status == 403
    assert not Booking.objects.exists() and Slot.objects.get(pk=slot.pk).booked == 0
    assert not Notification.objects.exists()


def test_a_full_slot_is_refused_and_its_counter_stays_at_capacity(
    frozen, plain_account, window, zhang, li, django_user_model
):
    from weizheng.identity.testing import make_binding

    slot = slot_at(window, at(8, 9, 0))
    book(plain_account, ZHANG, slot)
    book(plain_account, LI, slot)
    make_binding(account=plain_account, openid=WANG, name="王五", id_number="110101199003070011")

    error = refusal(lambda: book(plain_account, WANG, slot))

    assert error.code == "slot_full" and error.status == 409
    assert "fully booked" in error.message
    assert Slot.objects.get(pk=slot.pk).booked == 2
    assert Booking.objects.filter(slot=slot).count() == 2
    assert kinds(WANG) == []


def test_one_active_booking_per_citizen_per_window_per_day(frozen, plain_account, window, zhang):
    book(plain_account, ZHANG, slot_at(window, at(8, 9, 0)))
    later = slot_at(window, at(8, 15, 0))

    error = refusal(lambda: book(plain_account, ZHANG, later))

    assert error.code == "already_booked" and error.status == 409
    assert Slot.objects.get(pk=later.pk).booked == 0
    # Another day, and another window the same day, are fine.
    book(plain_account, ZHANG, slot_at(window, at(9, 9, 0)))
    other = make_window(plain_account, name="机动车登记 2 号窗口")
    book(plain_account, ZHANG, slot_at(other, at(8, 9, 0)))
    assert Booking.objects.filter(openid=ZHANG).count() == 3


def test_a_cancelled_booking_frees_the_day_for_another_booking(
    frozen, plain_account, window, zhang
):
    first = book(plain_account, ZHANG, slot_at(window, at(8, 9, 0)))
    actions.check_cancel(booking=first, openid=ZHANG)

    again = book(plain_account, ZHANG, slot_at(window, at(8, 10, 0)))

    assert again.status == BookingStatus.BOOKED


def test_slots_are_written_on_working_days_only(frozen, plain_account, window):
    saturday, monday = date(2026, 12, 12), date(2026, 12, 7)
    do_save_holiday(day=date(2026, 12, 9), kind=HolidayKind.HOLIDAY, name="测试假日")

    assert actions.do_prepare_day(window=window, day=saturday) is None
    assert actions.do_prepare_day(window=window, day=date(2026, 12, 9)) is None
    actions.do_prepare_day(window=window, day=monday)
    starts = [
        f"{s.starts_at.astimezone(s.starts_at.tzinfo):%H:%M}"
        for s in Slot.objects.filter(window=window, day=monday)
    ]
    assert len(starts) == 14  # 7 in the morning, 7 in the afternoon
    assert not Slot.objects.filter(day__in=[saturday, date(2026, 12, 9)]).exists()
    # The offered days skip the weekend and the holiday: Mon, Tue, Thu, Fri, next Mon.
    assert actions.offered_days(window) == [
        date(2026, 12, 7),
        date(2026, 12, 8),
        date(2026, 12, 10),
        date(2026, 12, 11),
        date(2026, 12, 14),
    ]


def test_a_make_up_working_day_on_a_weekend_is_offered_with_mondays_hours(
    frozen, plain_account, window
):
    sunday = date(2026, 12, 13)
    do_save_holiday(day=sunday, kind=HolidayKind.WORKDAY, name="调休上班")

    actions.do_prepare_day(window=window, day=sunday)

    assert Slot.objects.filter(window=window, day=sunday).count() == 14


def test_a_day_that_became_a_holiday_cannot_be_booked(frozen, plain_account, window, zhang):
    slot = slot_at(window, at(9, 9, 0))
    do_save_holiday(day=date(2026, 12, 9), kind=HolidayKind.HOLIDAY, name="临时放假")

    error = refusal(lambda: book(plain_account, ZHANG, slot))

    assert error.code == "not_workday" and "not a working day" in error.message
    assert not Booking.objects.exists()


def test_a_day_beyond_the_days_ahead_is_not_yet_bookable(frozen, plain_account, window, zhang):
    # Five working days from Monday 7th: up to Friday 11th. Monday 14th is the sixth.
    actions.do_prepare_day(window=window, day=date(2026, 12, 14))
    slot = Slot.objects.filter(window=window, day=date(2026, 12, 14)).first()

    error = refusal(lambda: book(plain_account, ZHANG, slot))

    assert error.code == "too_far"
    frozen.move_to(at(8, 8, 0))  # a day later, the 14th is within reach
    assert book(plain_account, ZHANG, slot).status == BookingStatus.BOOKED


def test_booking_closes_at_the_cut_off_before_the_slot(frozen, plain_account, window, zhang):
    slot = slot_at(window, at(7, 9, 0))
    frozen.move_to(
        at(
            7,
            8,
            0,
        )
    )  # exactly 60 minutes before: closed

    error = refusal(lambda: book(plain_account, ZHANG, slot))

    assert error.code == "past_cutoff" and "60 minutes" in error.message
    frozen.move_to(at(7, 7, 59))
    assert book(plain_account, ZHANG, slot).status == BookingStatus.BOOKED


def test_cancelling_is_allowed_until_the_cut_off_only(frozen, plain_account, window, zhang):
    slot = slot_at(window, at(7, 10, 0))
    booking = book(plain_account, ZHANG, slot)
    frozen.move_to(at(7, 9, 1))

    error = refusal(lambda: actions.check_cancel(booking=booking, openid=ZHANG))

    assert error.code == "past_cutoff"
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED and Slot.objects.get(pk=slot.pk).booked == 1


def test_cancelling_frees_the_place_and_notifies(frozen, plain_account, window, zhang):
    slot = slot_at(window, at(8, 9, 0))
    booking = book(plain_account, ZHANG, slot)

    actions.check_cancel(booking=booking, openid=ZHANG)

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert Slot.objects.get(pk=slot.pk).booked == 0
    assert kinds(ZHANG) == ["appointments.booked", "appointments.cancelled"]
    assert AuditLog.objects.filter(action="appointments.booking.cancel").count() == 1


def test_another_citizen_cannot_cancel_a_booking_and_gets_the_unknown_answer(
    frozen, plain_account, window, zhang, li
):
    booking = book(plain_account, ZHANG, slot_at(window, at(8, 9, 0)))

    error = refusal(lambda: actions.check_cancel(booking=booking, openid=LI))

    assert (error.code, error.status, error.message) == ("not_found", 404, "No such booking.")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED
    assert kinds() == ["appointments.booked"]


def test_rescheduling_moves_the_booking_and_frees_the_old_place(
    frozen, plain_account, window, zhang
):
    old_slot, new_slot = slot_at(window, at(8, 9, 0)), slot_at(window, at(8, 15, 0))
    booking = book(plain_account, ZHANG, old_slot)

    moved = actions.check_reschedule(booking=booking, openid=ZHANG, slot_id=new_slot.pk)

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED and booking.cancel_reason == "rescheduled"
    assert moved.slot == new_slot and moved.rescheduled_from == booking
    assert moved.status == BookingStatus.BOOKED and moved.day == booking.day
    assert (Slot.objects.get(pk=old_slot.pk).booked, Slot.objects.get(pk=new_slot.pk).booked) == (
        0,
        1,
    )
    assert kinds(ZHANG) == ["appointments.booked", "appointments.rescheduled"]


def test_a_refused_reschedule_keeps_the_old_booking_and_its_place(
    frozen, plain_account, window, zhang, li, monkeypatch
):
    old_slot, wanted = slot_at(window, at(8, 9, 0)), slot_at(window, at(9, 9, 0))
    booking = book(plain_account, ZHANG, old_slot)
    book(plain_account, LI, wanted)
    take_place = actions._take_place

    def someone_else_first(slot):
        # The last place goes to another citizen between the checks and the update.
        Slot.objects.filter(pk=wanted.pk).update(booked=2)
        take_place(slot)

    monkeypatch.setattr(actions, "_take_place", someone_else_first)

    error = refusal(
        lambda: actions.check_reschedule(booking=booking, openid=ZHANG, slot_id=wanted.pk)
    )

    assert error.code == "slot_full"
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED and booking.cancelled_at is None
    assert Slot.objects.get(pk=old_slot.pk).booked == 1
    assert Booking.objects.filter(openid=ZHANG).count() == 1
    assert kinds(ZHANG) == ["appointments.booked"]


def test_rescheduling_needs_the_old_booking_before_its_cut_off(
    frozen, plain_account, window, zhang
):
    booking = book(plain_account, ZHANG, slot_at(window, at(7, 9, 30)))
    later = slot_at(window, at(8, 9, 0))
    frozen.move_to(at(7, 8, 45))

    error = refusal(
        lambda: actions.check_reschedule(booking=booking, openid=ZHANG, slot_id=later.pk)
    )

    assert error.code == "past_cutoff"
    assert Slot.objects.get(pk=later.pk).booked == 0


def test_a_rolled_back_booking_notifies_nobody(frozen, plain_account, window, zhang):
    slot = slot_at(window, at(8, 9, 0))

    with pytest.raises(RuntimeError), transaction.atomic():
        book(plain_account, ZHANG, slot)
        raise RuntimeError("the surrounding work failed")

    assert not Notification.objects.exists()
    assert not Booking.objects.exists() and Slot.objects.get(pk=slot.pk).booked == 0
    assert not AuditLog.objects.filter(action__startswith="appointments.booking").exists()


def _missed(account, window, openid, moment, binding):
    slot = slot_at(window, moment)
    Slot.objects.filter(pk=slot.pk).update(booked=1)
    return Booking.objects.create(
        account=account,
        window=window,
        slot=slot,
        day=slot.day,
        code=f"MISS{moment:%d%H}",
        openid=openid,
        binding=binding,
        person_index=binding.id_number_index,
        status=BookingStatus.NO_SHOW,
    )


def test_three_no_shows_within_90_days_block_booking_for_30_days(
    frozen, plain_account, window, zhang
):
    for day in (1, 2, 3):  # the 1st–3rd of December, missed
        _missed(plain_account, window, ZHANG, at(day, 9, 0), zhang)
    slot = slot_at(window, at(8, 9, 0))

    error = refusal(lambda: book(plain_account, ZHANG, slot))

    assert error.code == "blocked" and error.status == 403
    assert "2027-01-02 09:00" in error.message  # 30 days after the latest no-show
    assert not Booking.objects.filter(status=BookingStatus.BOOKED).exists()


def test_the_block_follows_the_person_not_the_openid(frozen, plain_account, window, zhang):
    for day in (1, 2, 3):
        _missed(plain_account, window, "oOLDOPENID00000000000000000009", at(day, 9, 0), zhang)

    error = refusal(lambda: book(plain_account, ZHANG, slot_at(window, at(8, 9, 0))))

    assert error.code == "blocked"


def test_two_no_shows_do_not_block_and_the_block_ends(frozen, plain_account, window, zhang):
    _missed(plain_account, window, ZHANG, at(1, 9, 0), zhang)
    _missed(plain_account, window, ZHANG, at(2, 9, 0), zhang)
    assert book(plain_account, ZHANG, slot_at(window, at(8, 9, 0))).status == "booked"

    _missed(plain_account, window, ZHANG, at(3, 9, 0), zhang)
    assert actions.blocked_until(
        account=plain_account,
        window=window,
        openid=ZHANG,
        person_index=zhang.id_number_index,
        now=at(7, 8),
    ) == at(3, 9) + timedelta(days=30)
    assert (
        actions.blocked_until(
            account=plain_account,
            window=window,
            openid=ZHANG,
            person_index=zhang.id_number_index,
            now=at(3, 9) + timedelta(days=30, minutes=1),
        )
        is None
    )


def test_closing_a_day_cancels_its_bookings_and_notifies_each_citizen(
    frozen, plain_account, window, zhang, li, staff
):
    book(plain_account, ZHANG, slot_at(window, at(8, 9, 0)))
    book(plain_account, LI, slot_at(window, at(8, 15, 0)))
    other_day = book(plain_account, ZHANG, slot_at(window, at(9, 9, 0)))

    cancelled = actions.check_close_day(
        window=window, day=date(2026, 12, 8), reason="系统升级暂停办理", actor=staff["alice"]
    )

    assert cancelled == 2
    day_bookings = Booking.objects.filter(day=date(2026, 12, 8))
    assert set(day_bookings.values_list("status", flat=True)) == {BookingStatus.CANCELLED}
    assert set(day_bookings.values_list("cancel_reason", flat=True)) == {"系统升级暂停办理"}
    assert not Slot.objects.filter(day=date(2026, 12, 8), is_open=True).exists()
    assert not Slot.objects.filter(day=date(2026, 12, 8), booked__gt=0).exists()
    by_office = Notification.objects.filter(kind="appointments.cancelled_by_office")
    assert sorted(by_office.values_list("openid", flat=True)) == sorted([ZHANG, LI])
    assert all(n.variables["reason"] == "系统升级暂停办理" for n in by_office)
    other_day.refresh_from_db()
    assert other_day.status == BookingStatus.BOOKED
    row = AuditLog.objects.get(action="appointments.day.close")
    assert row.actor == staff["alice"] and row.detail["cancelled"] == 2
    # Nobody can book the closed day.
    error = refusal(
        lambda: book(plain_account, LI, Slot.objects.get(window=window, starts_at=at(8, 10)))
    )
    assert error.code == "day_closed"
    assert [d.is_closed for d in selectors.day_offers(window=window)][1] is True


def test_changing_the_hours_closes_slots_no_longer_offered_and_keeps_their_bookings(
    frozen, plain_account, window, zhang
):
    from datetime import time

    from weizheng.appointments.actions import PeriodInput

    afternoon = slot_at(window, at(8, 15, 0))
    booking = book(plain_account, ZHANG, afternoon)

    actions.check_save_window(
        account=plain_account,
        data={"name": window.name, "place": window.place, "capacity": 6},
        periods=[PeriodInput(d, time(8, 30), time(12, 0)) for d in range(5)],
        actor=None,
        window=window,
    )

    afternoon.refresh_from_db()
    assert afternoon.is_open is False
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED
    morning = Slot.objects.get(window=window, starts_at=at(8, 9, 0))
    assert morning.capacity == 6 and morning.is_open
    assert WindowDay.objects.filter(window=window, day=date(2026, 12, 8)).exists()


def test_bad_opening_hours_are_refused_with_the_reason(plain_account):
    from datetime import time

    from weizheng.appointments.actions import PeriodInput

    with pytest.raises(AppError) as caught:
        actions.check_periods(
            [PeriodInput(0, time(8, 30), time(12, 0)), PeriodInput(0, time(11, 0), time(13, 0))]
        )
    assert caught.value.code == "overlapping_periods"
    with pytest.raises(AppError) as caught:
        actions.check_periods([PeriodInput(1, time(12, 0), time(8, 0))])
    assert caught.value.code == "bad_period"
