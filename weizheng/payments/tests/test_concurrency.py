"""Races that must not pay twice: the same notify five times at once, and the notify racing the
fallback query. Run on PostgreSQL as well (row locks are real there)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import IntegrityError, connection, transaction

from weizheng.payments import actions
from weizheng.payments.models import (
    EventOutcome,
    LedgerEntry,
    Order,
    OrderState,
    PaymentEvent,
    WriteOff,
)
from weizheng.wechat_mock import pay as mock_pay

from .conftest import assert_ledger_balanced
from .notify_helpers import post

pytestmark = pytest.mark.django_db(transaction=True)


def _together(*jobs: Callable[[], object]) -> list[object]:
    """Start the jobs at the same moment, each in its own thread and database connection."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def run(index: int, job: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = job()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def _paid_without_notify(pay_world) -> tuple[Order, mock_pay.MockPayOrder]:
    order = pay_world.order()
    mock_order = mock_pay.confirm_payment(
        prepay_id=order.prepay_id, openid=order.openid, send_notify=False
    )
    return order, mock_order


def test_the_same_notify_delivered_five_times_at_once_pays_once(pay_world):
    order, mock_order = _paid_without_notify(pay_world)
    headers, body = mock_pay.pay_notify(mock_order)

    responses = _together(*[lambda: post(pay_world.notify_url, headers, body)] * 5)

    assert [r.status_code for r in responses] == [204] * 5  # type: ignore[union-attr]
    order.refresh_from_db()
    assert order.transaction_id == mock_order.transaction_id
    assert order.state in (OrderState.PAID, OrderState.SETTLED)
    pay_legs = LedgerEntry.objects.filter(movement=f"pay:{order.out_trade_no}")
    assert pay_legs.count() == 2
    assert WriteOff.objects.filter(order=order).count() == 1
    outcomes = sorted(PaymentEvent.objects.values_list("outcome", flat=True))
    assert outcomes == [EventOutcome.ALREADY] * 4 + [EventOutcome.APPLIED]
    assert_ledger_balanced()


def test_a_notify_racing_the_fallback_query_pays_once(pay_world):
    order, mock_order = _paid_without_notify(pay_world)
    headers, body = mock_pay.pay_notify(mock_order)

    # Both sides read the order unpaid before either acts (as a sweep that loaded it a moment
    # earlier would): the query always reaches WeChat Pay and the apply step, whichever wins.
    unpaid = Order.objects.get(pk=order.pk)

    def query() -> object:
        return actions.do_sync_order(order=unpaid).state

    results = _together(lambda: post(pay_world.notify_url, headers, body), query)

    assert not any(isinstance(r, Exception) for r in results), results
    order.refresh_from_db()
    assert order.transaction_id == mock_order.transaction_id
    assert LedgerEntry.objects.filter(movement=f"pay:{order.out_trade_no}").count() == 2
    applied = PaymentEvent.objects.filter(outcome=EventOutcome.APPLIED)
    assert applied.count() == 1
    assert PaymentEvent.objects.filter(outcome=EventOutcome.ALREADY).count() == 1
    assert_ledger_balanced()


def test_without_a_notify_the_fallback_query_pays_the_order(pay_world):
    order, mock_order = _paid_without_notify(pay_world)

    actions.do_sync_order(order=order)

    order.refresh_from_db()
    assert order.transaction_id == mock_order.transaction_id
    assert PaymentEvent.objects.get().source == "query"


def test_one_transaction_id_can_pay_one_order_only_a_database_constraint(pay_world):
    first = pay_world.order("3100012345")
    second = pay_world.order("3100056789")
    Order.objects.filter(pk=first.pk).update(transaction_id="4200000000000000000000000009")

    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=second.pk).update(transaction_id="4200000000000000000000000009")


def test_a_bill_has_one_live_order_a_database_constraint(pay_world):
    order = pay_world.order()

    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.create(
            account=order.account,
            openid="someone-else",
            kind=order.kind,
            biller=order.biller,
            reference=order.reference,
            period=order.period,
            description="x",
            amount_fen=order.amount_fen,
            out_trade_no="WZ-duplicate",
        )


def test_an_order_nobody_paid_is_closed_after_half_an_hour_and_frees_its_bill(pay_world):
    import datetime as dt

    from django.utils import timezone

    order = pay_world.order()
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - dt.timedelta(minutes=31))

    actions.sync_stale_orders()

    order.refresh_from_db()
    assert order.state == OrderState.CLOSED
    assert (
        mock_pay.MockPayOrder.objects.get(out_trade_no=order.out_trade_no).trade_state == "CLOSED"
    )
    assert pay_world.order(openid="oSomeoneElse").pk != order.pk


def test_a_paying_order_whose_notify_was_lost_is_found_by_the_sweep(pay_world):
    import datetime as dt

    from django.utils import timezone

    order, mock_order = _paid_without_notify(pay_world)
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - dt.timedelta(minutes=2))

    assert actions.sync_stale_orders() == 1

    order.refresh_from_db()
    assert order.transaction_id == mock_order.transaction_id


def test_a_double_tap_gives_the_citizen_their_own_order_once(pay_world, monkeypatch):
    from weizheng.payments import wechatpay
    from weizheng.wechat_mock.models import MockPayOrder

    original = wechatpay.create_jsapi_order

    def slow(*args, **kwargs):  # the first order's WeChat call is still in flight
        import time

        time.sleep(0.5)
        return original(*args, **kwargs)

    monkeypatch.setattr(wechatpay, "create_jsapi_order", slow)

    results = _together(pay_world.order, pay_world.order)

    assert all(isinstance(r, Order) for r in results), results
    first, second = results
    assert first.pk == second.pk and first.state == second.state == OrderState.PAYING  # type: ignore[union-attr]
    assert Order.objects.count() == 1
    assert MockPayOrder.objects.count() == 1


def test_someone_else_paying_the_same_bill_is_still_refused(pay_world, monkeypatch):
    from weizheng.core.errors import AppError
    from weizheng.payments import wechatpay

    original = wechatpay.create_jsapi_order

    def slow(*args, **kwargs):
        import time

        time.sleep(0.5)
        return original(*args, **kwargs)

    monkeypatch.setattr(wechatpay, "create_jsapi_order", slow)

    results = _together(pay_world.order, lambda: pay_world.order(openid="oAnotherCitizen"))

    orders = [r for r in results if isinstance(r, Order)]
    refusals = [r for r in results if isinstance(r, AppError)]
    assert len(orders) == 1 and len(refusals) == 1, results
    assert refusals[0].code == "bill_in_payment"
