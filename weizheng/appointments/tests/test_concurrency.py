"""Races, from threads with their own database connections (SQLite here; PostgreSQL when
DATABASE_URL points at it): citizens racing for the last place — exactly one gets it; a citizen
double-clicking — one booking; check-ins at once — distinct, sequential queue numbers."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from weizheng.appointments import actions
from weizheng.appointments.models import Booking, BookingStatus, Slot
from weizheng.core.errors import AppError
from weizheng.identity.testing import make_binding
from weizheng.notifications.models import Notification

from .conftest import ZHANG, at, make_window, slot_at

pytestmark = pytest.mark.django_db(transaction=True)

RACERS = 6


def race(calls):
    """Run the calls at once; each result is the return value or the AppError code."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except AppError as refused:
            results[index] = refused.code
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[index] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def citizens(account, count):
    openids = []
    for index in range(count):
        openid = f"oRACER{index:022d}"
        make_binding(
            account=account, openid=openid, name=f"市民{index}", id_number=_id_number(index)
        )
        openids.append(openid)
    return openids


def _id_number(index):
    from weizheng.identity.idcard import check_digit

    body = f"11010119900307{index:03d}"
    return body + check_digit(body)


def test_citizens_racing_for_the_last_place_exactly_one_gets_it(frozen, plain_account):
    window = make_window(plain_account, capacity=1)
    slot = slot_at(window, at(8, 9, 0))
    openids = citizens(plain_account, RACERS)

    results = race(
        [
            lambda o=o: actions.check_book(account=plain_account, openid=o, slot_id=slot.pk)
            for o in openids
        ]
    )

    booked = [r for r in results if isinstance(r, Booking)]
    assert len(booked) == 1, results
    assert sorted(r for r in results if not isinstance(r, Booking)) == ["slot_full"] * (RACERS - 1)
    assert Slot.objects.get(pk=slot.pk).booked == 1
    assert Booking.objects.filter(slot=slot).count() == 1
    assert Notification.objects.filter(kind="appointments.booked").count() == 1


def test_a_citizen_booking_twice_at_once_gets_one_booking(frozen, plain_account, zhang):
    window = make_window(plain_account, capacity=5)
    slots = [slot_at(window, at(8, 9, 0)), slot_at(window, at(8, 9, 30))] * 2

    results = race(
        [
            lambda s=s: actions.check_book(account=plain_account, openid=ZHANG, slot_id=s.pk)
            for s in slots
        ]
    )

    assert len([r for r in results if isinstance(r, Booking)]) == 1, results
    assert Booking.objects.filter(openid=ZHANG, status=BookingStatus.BOOKED).count() == 1
    # The refused attempts gave their places back (their transactions rolled back).
    assert sum(Slot.objects.filter(window=window).values_list("booked", flat=True)) == 1


def test_check_ins_at_once_get_distinct_sequential_numbers(frozen, plain_account):
    window = make_window(plain_account, capacity=RACERS)
    slot = slot_at(window, at(7, 10, 0))
    openids = citizens(plain_account, RACERS)
    bookings = [
        actions.check_book(account=plain_account, openid=o, slot_id=slot.pk) for o in openids
    ]
    frozen.move_to(at(7, 9, 45))

    results = race(
        [lambda b=b: actions.check_citizen_check_in(booking=b, openid=b.openid) for b in bookings]
    )

    assert sorted(r.queue_number for r in results if isinstance(r, Booking)) == list(
        range(1, RACERS + 1)
    ), results
