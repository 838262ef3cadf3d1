"""What a reviewer found driving the demo: cancelling asks first and says it is done; a move says
the new booking number and the old booking reads 已改约 (not "Cancelled" among past ones); a
second booking the same day points to the one the citizen has; the day chips keep a date on one
line; the office's counters are laid out apart and "No-show" waits for the time to begin; and
when a real-name binding ends, its future bookings are cancelled (places freed, citizen told,
audited) and the queue says the binding was removed instead of "—"."""

from __future__ import annotations

import pytest
from django.test import Client

from weizheng.appointments import actions
from weizheng.appointments.models import Booking, BookingStatus, Slot
from weizheng.appointments.notification_kinds import CANCELLED_UNBOUND
from weizheng.core.models import AuditLog
from weizheng.notifications.models import Notification
from weizheng.staff.testing import login_staff

from .conftest import LI, ZHANG, as_citizen, at, slot_at

pytestmark = pytest.mark.django_db

BASE = "/h5/police/appointments/"


def phone(account, openid):
    return as_citizen(Client(HTTP_ACCEPT_LANGUAGE="en"), account, openid)


def office(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_staff(client, user)
    return client


def book(account, openid, slot):
    return actions.check_book(account=account, openid=openid, slot_id=slot.pk)


# --- the citizen ---------------------------------------------------------------------------------
def test_cancelling_asks_first_then_says_it_is_cancelled(frozen, plain_account, window, zhang):
    slot = slot_at(window, at(8, 9, 0))
    booking = book(plain_account, ZHANG, slot)
    client = phone(plain_account, ZHANG)

    page = client.get(f"{BASE}b/{booking.code}/").content.decode()
    assert f'href="{BASE}b/{booking.code}/cancel/" data-testid="cancel"' in page
    asked = client.get(f"{BASE}b/{booking.code}/cancel/")
    assert asked.status_code == 200 and 'data-testid="cancel-form"' in asked.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED  # looking at the question cancels nothing

    done = client.post(f"{BASE}b/{booking.code}/cancel/")

    assert done["Location"] == f"{BASE}b/{booking.code}/?done=cancelled"
    after = client.get(done["Location"]).content.decode()
    assert 'data-testid="cancelled"' in after and "Your booking is cancelled" in after
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CANCELLED
    assert Slot.objects.get(pk=slot.pk).booked == 0


def test_a_booking_past_its_cut_off_has_no_cancel_question(frozen, plain_account, window, zhang):
    booking = book(plain_account, ZHANG, slot_at(window, at(7, 10, 0)))
    frozen.move_to(at(7, 9, 30))

    asked = phone(plain_account, ZHANG).get(f"{BASE}b/{booking.code}/cancel/")

    assert asked.status_code == 409 and 'data-testid="cancel-form"' not in asked.content.decode()
    assert "60 minutes" in asked.content.decode()
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.BOOKED


def test_a_move_says_the_new_number_and_the_old_booking_reads_rescheduled(
    frozen, plain_account, window, zhang
):
    old = book(plain_account, ZHANG, slot_at(window, at(8, 9, 0)))
    new_slot = slot_at(window, at(9, 14, 0))
    client = phone(plain_account, ZHANG)

    moved = client.post(f"{BASE}w/{window.pk}/slot/{new_slot.pk}/", {"reschedule": old.code})

    new = Booking.objects.get(status=BookingStatus.BOOKED)
    assert moved["Location"] == f"{BASE}b/{new.code}/?done=moved"
    said = client.get(moved["Location"]).content.decode()
    assert f"Rescheduled. Your new booking number is {new.code}." in said
    assert old.code in said  # the former booking, cancelled, is named
    old_page = client.get(f"{BASE}b/{old.code}/").content.decode()
    assert 'data-status="rescheduled"' in old_page and 'data-testid="moved-to"' in old_page
    assert f'href="{BASE}b/{new.code}/"' in old_page
    mine = client.get(f"{BASE}mine/").content.decode()
    cancelled = mine[mine.index('data-testid="cancelled"') :]
    assert f'data-booking="{old.code}"' in cancelled and 'data-status="rescheduled"' in cancelled
    assert 'data-testid="history"' not in mine  # nothing is in the past yet


def test_my_bookings_group_by_date_and_status(frozen, plain_account, window, zhang):
    past = book(plain_account, ZHANG, slot_at(window, at(7, 10, 0)))
    cancelled = book(plain_account, ZHANG, slot_at(window, at(9, 9, 0)))
    actions.check_cancel(booking=cancelled, openid=ZHANG)
    coming = book(plain_account, ZHANG, slot_at(window, at(10, 9, 0)))
    frozen.move_to(at(8, 8, 0))
    actions.do_record_past_no_shows()

    mine = phone(plain_account, ZHANG).get(f"{BASE}mine/").content.decode()

    upcoming = mine.index('data-testid="upcoming"')
    future_cancelled = mine.index('data-testid="cancelled"')
    earlier = mine.index('data-testid="history"')
    assert upcoming < mine.index(f'data-booking="{coming.code}"') < future_cancelled
    assert future_cancelled < mine.index(f'data-booking="{cancelled.code}"') < earlier
    assert earlier < mine.index(f'data-booking="{past.code}"')


def test_a_second_booking_the_same_day_shows_the_one_held(frozen, plain_account, window, zhang):
    held = book(plain_account, ZHANG, slot_at(window, at(8, 9, 0)))
    other = slot_at(window, at(8, 10, 0))
    client = phone(plain_account, ZHANG)

    asked = client.get(f"{BASE}w/{window.pk}/slot/{other.pk}/").content.decode()
    refused = client.post(f"{BASE}w/{window.pk}/slot/{other.pk}/")

    link = f'href="{BASE}b/{held.code}/" data-booking="{held.code}"'
    assert link in asked and 'data-testid="confirm-form"' not in asked
    assert refused.status_code == 409
    assert link in refused.content.decode()
    assert "Book this time" not in refused.content.decode()
    assert Booking.objects.count() == 1
    # Moving that booking to another time of the day is still offered.
    moving = client.get(f"{BASE}w/{window.pk}/slot/{other.pk}/", {"reschedule": held.code})
    assert 'data-testid="confirm-form"' in moving.content.decode()


def test_a_day_chip_keeps_its_date_and_weekday_on_their_own_lines(
    frozen, plain_account, window, zhang
):
    days = phone(plain_account, ZHANG).get(f"{BASE}w/{window.pk}/").content.decode()

    assert '<span class="ap-date">12-08</span><span class="ap-weekday">' in days
    assert ".ap-day .ap-date { display: block; font-weight: 500; white-space: nowrap; }" in days


# --- the office ----------------------------------------------------------------------------------
def queue_page(account, window, user):
    return (
        office(user)
        .get(f"/office/accounts/{account.pk}/appointments/windows/{window.pk}/queue/")
        .content.decode()
    )


def test_the_counters_are_apart_and_no_show_waits_for_the_time(
    frozen, plain_account, window, zhang, staff
):
    booking = book(plain_account, ZHANG, slot_at(window, at(7, 10, 0)))
    frozen.move_to(at(7, 9, 45))

    before = queue_page(plain_account, window, staff["hank"])
    frozen.move_to(at(7, 10, 0))
    at_start = queue_page(plain_account, window, staff["hank"])

    assert '<div class="n" data-field="serving">—</div><div class="l">Now serving</div>' in before
    assert '<div class="n" data-field="waiting">0</div><div class="l">Waiting</div>' in before
    assert 'value="no_show"' not in before and 'value="no_show"' in at_start
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.BOOKED


def test_when_the_binding_ends_its_future_bookings_are_cancelled_and_told(
    frozen, plain_account, window, zhang, li, staff
):
    past = book(plain_account, ZHANG, slot_at(window, at(7, 10, 0)))
    frozen.move_to(at(7, 11, 0))
    actions.check_finish(booking=past, outcome=BookingStatus.NO_SHOW, actor=staff["hank"])
    tomorrow_slot = slot_at(window, at(8, 9, 0))
    tomorrow = book(plain_account, ZHANG, tomorrow_slot)
    later = book(plain_account, ZHANG, slot_at(window, at(10, 14, 0)))
    theirs = book(plain_account, LI, tomorrow_slot)

    count = actions.do_cancel_bookings_of_binding(binding=zhang, reason="")

    assert count == 2
    for mine in (tomorrow, later):
        mine.refresh_from_db()
        assert mine.status == BookingStatus.CANCELLED
        assert mine.cancel_reason == "您已解除实名绑定" and mine.shown_reason == mine.cancel_reason
    assert Slot.objects.get(pk=tomorrow_slot.pk).booked == 1  # 李四's place stays
    assert Booking.objects.get(pk=theirs.pk).status == BookingStatus.BOOKED
    assert Booking.objects.get(pk=past.pk).status == BookingStatus.NO_SHOW  # history kept
    told = Notification.objects.filter(kind="appointments.cancelled_unbound", openid=ZHANG)
    assert told.count() == 2
    assert told.first().variables["reason"] == "您已解除实名绑定"
    assert "因您已解除实名绑定，您预约的" in CANCELLED_UNBOUND.render_text(told.first().variables)
    audited = AuditLog.objects.filter(action="appointments.booking.cancel_unbound")
    assert sorted(int(a.target_id) for a in audited) == sorted([tomorrow.pk, later.pk])
    assert actions.do_cancel_bookings_of_binding(binding=zhang, reason="") == 0  # once


def test_the_queue_says_the_binding_was_removed(frozen, plain_account, window, zhang, li, staff):
    from weizheng.identity.actions import do_unbind

    served = book(plain_account, ZHANG, slot_at(window, at(7, 9, 30)))
    book(plain_account, LI, slot_at(window, at(7, 10, 0)))
    frozen.move_to(at(7, 9, 35))
    actions.check_staff_check_in(booking=served, actor=staff["hank"])
    actions.check_finish(booking=served, outcome=BookingStatus.COMPLETED, actor=staff["hank"])
    frozen.move_to(at(7, 10, 5))
    do_unbind(binding=zhang)  # a past, completed booking stays in the day's queue

    page = queue_page(plain_account, window, staff["hank"])

    assert page.count("(binding removed)") == 1 and "李*" in page
    assert f'data-booking="{served.pk}" data-status="completed"' in page
