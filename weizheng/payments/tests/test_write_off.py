"""Write-off with the biller through the outbox: a paid bill is always written off eventually,
and the citizen is told when it is."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from weizheng.core.models import AuditLog
from weizheng.notifications.models import Notification
from weizheng.payments import actions
from weizheng.payments.models import (
    Biller,
    DemoBillerPayment,
    LedgerEntry,
    Order,
    OrderState,
    WriteOff,
    WriteOffState,
)
from weizheng.wechat_mock import pay as mock_pay

from .conftest import assert_ledger_balanced

pytestmark = pytest.mark.django_db(transaction=True)


def _pay(pay_world, reference="3100012345", *, biller_down=False):
    order = pay_world.order(reference)
    if biller_down:
        Biller.objects.filter(pk=pay_world.water.pk).update(demo_unavailable=True)
    mock_pay.confirm_payment(prepay_id=order.prepay_id, openid=order.openid)
    order.refresh_from_db()
    return order


def test_a_paid_bill_is_written_off_at_once_and_the_citizen_told(pay_world):
    order = _pay(pay_world)

    assert order.state == OrderState.SETTLED
    write_off = WriteOff.objects.get(order=order)
    assert (write_off.state, write_off.attempts) == (WriteOffState.DONE, 1)
    booked = DemoBillerPayment.objects.get(order_no=order.out_trade_no)
    assert booked.amount_fen == order.amount_fen
    assert write_off.biller_receipt_no == booked.receipt_no
    settle = {
        e.ledger_account: e.amount_fen
        for e in LedgerEntry.objects.filter(movement=f"settle:{order.out_trade_no}")
    }
    assert settle == {"citizen_clearing": order.amount_fen, "biller_payable": -order.amount_fen}
    kinds = set(Notification.objects.filter(openid=order.openid).values_list("kind", flat=True))
    assert kinds == {"payments.paid", "payments.settled"}
    assert AuditLog.objects.filter(action="payments.settled").count() == 1
    assert_ledger_balanced()


def test_while_the_biller_is_down_the_write_off_waits_and_completes_when_it_returns(pay_world):
    order = _pay(pay_world, biller_down=True)

    write_off = WriteOff.objects.get(order=order)
    assert (order.state, write_off.state, write_off.attempts) == (OrderState.PAID, "pending", 1)
    assert "outage" in write_off.last_error
    assert not Notification.objects.filter(kind="payments.settled").exists()
    # Not due yet: nothing is attempted before the backoff has passed.
    assert actions.do_attempt_write_off(write_off_id=write_off.pk) == "not_due"
    later = timezone.now() + dt.timedelta(minutes=5)
    actions.process_due_write_offs(now=later)
    write_off.refresh_from_db()
    assert (write_off.state, write_off.attempts) == ("pending", 2)

    Biller.objects.filter(pk=pay_world.water.pk).update(demo_unavailable=False)
    actions.process_due_write_offs(now=later + dt.timedelta(hours=1))

    write_off.refresh_from_db()
    order.refresh_from_db()
    assert (write_off.state, write_off.attempts, order.state) == ("done", 3, OrderState.SETTLED)
    assert DemoBillerPayment.objects.filter(order_no=order.out_trade_no).count() == 1
    assert Notification.objects.filter(kind="payments.settled", openid=order.openid).count() == 1
    assert_ledger_balanced()


def test_a_write_off_claimed_by_one_worker_is_not_attempted_by_another(pay_world):
    order = _pay(pay_world, biller_down=True)
    write_off = WriteOff.objects.get(order=order)
    now = timezone.now() + dt.timedelta(hours=1)
    WriteOff.objects.filter(pk=write_off.pk).update(claimed_until=now + dt.timedelta(seconds=60))

    assert actions.do_attempt_write_off(write_off_id=write_off.pk, now=now) == "not_due"
    assert WriteOff.objects.get(pk=write_off.pk).attempts == 1


def test_a_biller_refusing_the_write_off_leaves_the_order_paid_for_finance(pay_world):
    # Someone paid this bill at the biller's counter meanwhile.
    order = pay_world.order()
    DemoBillerPayment.objects.create(
        biller_code="water",
        reference=order.reference,
        period=order.period,
        amount_fen=order.amount_fen,
        order_no="COUNTER-1",
        receipt_no="C1",
    )
    mock_pay.confirm_payment(prepay_id=order.prepay_id, openid=order.openid)

    order.refresh_from_db()
    write_off = WriteOff.objects.get(order=order)
    assert (order.state, write_off.state) == (OrderState.PAID, WriteOffState.FAILED)
    assert AuditLog.objects.filter(action="payments.write_off_refused").count() == 1
    assert Order.objects.get(pk=order.pk).transaction_id
