"""预约 in H5 with a bound citizen: window → day → time → confirm → the booking's page; my
bookings; cancel, reschedule and 取号 from the page; each refusal shown with its reason; an
unbound citizen sent to the binding page; another citizen's booking answers like an unknown one."""

from __future__ import annotations

import pytest
from django.test import Client

from weizheng.appointments import actions
from weizheng.appointments.models import Booking, BookingStatus, Slot

from .conftest import LI, WANG, ZHANG, as_citizen, at, slot_at

pytestmark = pytest.mark.django_db

BASE = "/h5/police/appointments/"


def phone(account, openid):
    return as_citizen(Client(HTTP_ACCEPT_LANGUAGE="en"), account, openid)


def test_an_unbound_citizen_is_sent_to_the_binding_page(frozen, plain_account, window):
    for path in (BASE, f"{BASE}w/{window.pk}/", f"{BASE}mine/"):
        page = phone(plain_account, WANG).get(path)
        assert page.status_code == 302
        assert page["Location"].startswith("/h5/police/id/?next=")
    assert not Slot.objects.exists()


def test_a_bound_citizen_books_through_the_pages(frozen, plain_account, window, zhang):
    client = phone(plain_account, ZHANG)

    index = client.get(BASE)
    assert index.status_code == 200 and f'data-window="{window.pk}"' in index.content.decode()
    assert "张*（110105********002X）" in index.content.decode()
    assert index["Cache-Control"] == "no-store"

    days = client.get(f"{BASE}w/{window.pk}/").content.decode()
    assert 'data-day="2026-12-07"' in days and 'data-day="2026-12-11"' in days
    assert 'data-day="2026-12-12"' not in days  # Saturday
    assert 'data-day="2026-12-14"' not in days  # beyond five working days

    times = client.get(f"{BASE}w/{window.pk}/day/2026-12-08/").content.decode()
    slot = Slot.objects.get(window=window, starts_at=at(8, 9, 0))
    assert f'data-slot="{slot.pk}" data-left="2"' in times

    summary = client.get(f"{BASE}w/{window.pk}/slot/{slot.pk}/")
    assert summary.status_code == 200 and "2026-12-08 09:00–09:30" in summary.content.decode()
    assert not Booking.objects.exists()  # a GET books nothing

    done = client.post(f"{BASE}w/{window.pk}/slot/{slot.pk}/")

    booking = Booking.objects.get(openid=ZHANG)
    assert done.status_code == 302 and done["Location"] == f"{BASE}b/{booking.code}/?done=booked"
    page = client.get(done["Location"]).content.decode()
    assert 'data-testid="done"' in page and booking.code in page
    assert 'data-status="booked"' in page and 'data-testid="cancel"' in page
    mine = client.get(f"{BASE}mine/").content.decode()
    assert f'data-booking="{booking.code}"' in mine


def test_full_days_and_times_are_greyed(frozen, plain_account, window, zhang, li):
    slot = slot_at(window, at(8, 9, 0))
    Slot.objects.filter(window=window).update(booked=2)
    client = phone(plain_account, ZHANG)

    days = client.get(f"{BASE}w/{window.pk}/").content.decode()
    times = client.get(f"{BASE}w/{window.pk}/day/2026-12-08/").content.decode()

    assert 'data-day="2026-12-08" data-full="1"' in days
    assert 'data-day="2026-12-09" data-full="0"' in days  # not yet written: all places left
    assert f'data-slot="{slot.pk}" data-left="0"' in times and "is-off" in times


def test_a_refused_booking_shows_the_reason_and_books_nothing(frozen, plain_account, window, zhang):
    slot = slot_at(window, at(8, 9, 0))
    Slot.objects.filter(pk=slot.pk).update(booked=2)

    page = phone(plain_account, ZHANG).post(f"{BASE}w/{window.pk}/slot/{slot.pk}/")

    assert page.status_code == 409
    assert 'data-code="slot_full"' in page.content.decode()
    assert "This time is fully booked" in page.content.decode()
    assert not Booking.objects.exists()


def test_a_day_that_is_not_a_working_day_is_explained(frozen, plain_account, window, zhang):
    page = phone(plain_account, ZHANG).get(f"{BASE}w/{window.pk}/day/2026-12-12/")

    assert page.status_code == 400
    assert "2026-12-12 is not a working day" in page.content.decode()
    assert not Slot.objects.filter(day="2026-12-12").exists()


def test_a_second_booking_the_same_day_is_refused_with_the_reason(
    frozen, plain_account, window, zhang
):
    client = phone(plain_account, ZHANG)
    first, second = slot_at(window, at(8, 9, 0)), slot_at(window, at(8, 10, 0))
    client.post(f"{BASE}w/{window.pk}/slot/{first.pk}/")

    page = client.post(f"{BASE}w/{window.pk}/slot/{second.pk}/")

    assert page.status_code == 409 and "already have a booking" in page.content.decode()
    assert Booking.objects.count() == 1


def test_cancel_and_reschedule_from_the_booking_page(frozen, plain_account, window, zhang):
    client = phone(plain_account, ZHANG)
    old, new = slot_at(window, at(8, 9, 0)), slot_at(window, at(9, 14, 0))
    client.post(f"{BASE}w/{window.pk}/slot/{old.pk}/")
    booking = Booking.objects.get()

    start = client.get(f"{BASE}b/{booking.code}/reschedule/")
    assert start["Location"] == f"{BASE}w/{window.pk}/?reschedule={booking.code}"
    assert 'data-testid="moving"' in client.get(start["Location"]).content.decode()
    moved = client.post(f"{BASE}w/{window.pk}/slot/{new.pk}/", {"reschedule": booking.code})

    moved_booking = Booking.objects.get(status=BookingStatus.BOOKED)
    assert moved.status_code == 302 and moved_booking.slot == new
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CANCELLED

    cancelled = client.post(f"{BASE}b/{moved_booking.code}/cancel/")
    assert cancelled.status_code == 302
    assert Booking.objects.get(pk=moved_booking.pk).status == BookingStatus.CANCELLED
    assert Slot.objects.get(pk=new.pk).booked == 0


def test_taking_a_number_on_the_day_shows_it(frozen, plain_account, window, zhang):
    client = phone(plain_account, ZHANG)
    slot = slot_at(window, at(7, 10, 0))
    client.post(f"{BASE}w/{window.pk}/slot/{slot.pk}/")
    booking = Booking.objects.get()

    early = client.post(f"{BASE}b/{booking.code}/check-in/")
    assert early.status_code == 400 and "09:30" in early.content.decode()

    frozen.move_to(at(7, 9, 40))
    assert 'data-testid="check-in"' in client.get(f"{BASE}b/{booking.code}/").content.decode()
    client.post(f"{BASE}b/{booking.code}/check-in/")

    page = client.get(f"{BASE}b/{booking.code}/").content.decode()
    assert 'data-testid="queue-number"' in page and "<strong>001</strong>" in page


def test_another_citizens_booking_answers_like_an_unknown_one(
    frozen, plain_account, window, zhang, li
):
    booking = actions.check_book(
        account=plain_account, openid=ZHANG, slot_id=slot_at(window, at(8, 9, 0)).pk
    )
    other = phone(plain_account, LI)

    for path in ("", "cancel/", "check-in/", "reschedule/"):
        theirs = (
            other.post(f"{BASE}b/{booking.code}/{path}")
            if path in ("cancel/", "check-in/")
            else other.get(f"{BASE}b/{booking.code}/{path}")
        )
        unknown = (
            other.post(f"{BASE}b/ZZZZZZZZ/{path}")
            if path in ("cancel/", "check-in/")
            else other.get(f"{BASE}b/ZZZZZZZZ/{path}")
        )
        assert theirs.status_code == unknown.status_code == 404
        assert theirs.content == unknown.content
    assert booking.code not in other.get(f"{BASE}mine/").content.decode()
    moved = other.post(
        f"{BASE}w/{window.pk}/slot/{slot_at(window, at(9, 9, 0)).pk}/",
        {"reschedule": booking.code},
    )
    assert moved.status_code == 404
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED
    assert Booking.objects.count() == 1


def test_another_accounts_window_is_not_found(frozen, plain_account, water_account, zhang):
    from .conftest import make_window

    water_window = make_window(water_account, name="营业厅 用水报装")

    assert phone(plain_account, ZHANG).get(f"{BASE}w/{water_window.pk}/").status_code == 404


def test_the_pages_are_in_chinese_by_default(frozen, plain_account, window, zhang):
    client = as_citizen(Client(), plain_account, ZHANG)

    page = client.get(BASE).content.decode()

    assert 'lang="zh-hans"' in page
