"""Refunds: full and partial, idempotent by out_refund_no, confirmed by WeChat Pay's refund
notify (signed and encrypted like a payment notify), each a balanced ledger movement."""

from __future__ import annotations

import time

import pytest

from weizheng.core.errors import AppError
from weizheng.notifications.models import Notification
from weizheng.payments import actions
from weizheng.payments.models import LedgerEntry, Order, OrderState, Refund, RefundState
from weizheng.wechat_mock import pay as mock_pay
from weizheng.wechat_mock.models import MockPayRefund

from .conftest import assert_ledger_balanced

pytestmark = pytest.mark.django_db(transaction=True)


def _paid(pay_world):
    order = pay_world.order()
    mock_pay.confirm_payment(prepay_id=order.prepay_id, openid=order.openid)
    order.refresh_from_db()
    return order


def _refund(pay_world, order, amount, number=""):
    return actions.check_request_refund(
        order=order,
        amount_fen=amount,
        reason="重复缴费",
        actor=None,
        out_refund_no=number,
        notify_url=pay_world.notify_url,
    )


def _wait_for(predicate, seconds=5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_a_full_refund_is_confirmed_by_the_refund_notify(pay_world):
    order = _paid(pay_world)

    refund = _refund(pay_world, order, order.amount_fen, "RF-1")

    # WeChat answers PROCESSING; its notify (posted at once by the mock) may already be in.
    assert refund.state in (RefundState.PROCESSING, RefundState.SUCCEEDED)
    assert _wait_for(lambda: Refund.objects.get(pk=refund.pk).state == RefundState.SUCCEEDED)
    order.refresh_from_db()
    assert (order.state, order.refunded_fen) == (OrderState.REFUNDED, order.amount_fen)
    legs = {
        e.ledger_account: e.amount_fen for e in LedgerEntry.objects.filter(movement="refund:RF-1")
    }
    assert legs == {"refunds": order.amount_fen, "wechatpay_receivable": -order.amount_fen}
    assert Notification.objects.filter(kind="payments.refunded", openid=order.openid).count() == 1
    assert_ledger_balanced()


def test_partial_refunds_add_up_and_cannot_exceed_the_order(pay_world):
    order = _paid(pay_world)
    first = order.amount_fen // 3

    _refund(pay_world, order, first, "RF-A")
    with pytest.raises(AppError) as refused:
        _refund(pay_world, order, order.amount_fen - first + 1, "RF-B")

    assert refused.value.code == "amount_too_large"
    assert _wait_for(
        lambda: Refund.objects.get(out_refund_no="RF-A").state == RefundState.SUCCEEDED
    )
    order.refresh_from_db()
    assert (order.state, order.refunded_fen) == (OrderState.SETTLED, first)
    assert not Refund.objects.filter(out_refund_no="RF-B").exists()
    assert MockPayRefund.objects.count() == 1


def test_asking_twice_with_the_same_refund_number_refunds_once(pay_world):
    order = _paid(pay_world)

    one = _refund(pay_world, order, 100, "RF-SAME")
    two = _refund(pay_world, order, 100, "RF-SAME")

    assert one.pk == two.pk
    assert MockPayRefund.objects.filter(out_refund_no="RF-SAME").count() == 1
    assert _wait_for(lambda: Refund.objects.get(pk=one.pk).state == RefundState.SUCCEEDED)
    assert Order.objects.get(pk=order.pk).refunded_fen == 100
    with pytest.raises(AppError) as refused:
        _refund(pay_world, order, 200, "RF-SAME")
    assert refused.value.code == "refund_number_used"


def test_an_unpaid_order_cannot_be_refunded(pay_world):
    order = pay_world.order()
    with pytest.raises(AppError) as refused:
        _refund(pay_world, order, 100)
    assert refused.value.code == "not_paid"
    assert not Refund.objects.exists()


def test_a_replayed_refund_notify_is_absorbed(pay_world):
    order = _paid(pay_world)
    refund = _refund(pay_world, order, 100, "RF-R")
    assert _wait_for(lambda: Refund.objects.get(pk=refund.pk).state == RefundState.SUCCEEDED)
    headers, body = mock_pay.refund_notify(MockPayRefund.objects.get(out_refund_no="RF-R"))

    response = mock_pay.post_notify(pay_world.notify_url, headers, body)

    assert response == 204
    assert LedgerEntry.objects.filter(movement="refund:RF-R").count() == 2
    assert Order.objects.get(pk=order.pk).refunded_fen == 100


def test_a_payment_not_yet_written_off_is_refunded_in_full_and_its_write_off_called_off(pay_world):
    import datetime as dt

    from django.utils import timezone

    from weizheng.payments.models import Biller, DemoBillerPayment, WriteOff

    order = pay_world.order()
    Biller.objects.filter(pk=pay_world.water.pk).update(demo_unavailable=True)
    mock_pay.confirm_payment(prepay_id=order.prepay_id, openid=order.openid)
    order.refresh_from_db()
    assert order.state == OrderState.PAID

    with pytest.raises(AppError) as refused:
        _refund(pay_world, order, 100, "RF-PART")
    refund = _refund(pay_world, order, order.amount_fen, "RF-FULL")

    assert refused.value.code == "refund_in_full"
    assert _wait_for(lambda: Refund.objects.get(pk=refund.pk).state == RefundState.SUCCEEDED)
    Biller.objects.filter(pk=pay_world.water.pk).update(demo_unavailable=False)
    actions.process_due_write_offs(now=timezone.now() + dt.timedelta(hours=2))
    assert WriteOff.objects.get(order=order).state == "called_off"
    assert not DemoBillerPayment.objects.exists()
    legs = {
        e.ledger_account: e.amount_fen
        for e in LedgerEntry.objects.filter(movement="refund:RF-FULL")
    }
    assert legs == {"citizen_clearing": order.amount_fen, "wechatpay_receivable": -order.amount_fen}
    assert Order.objects.get(pk=order.pk).state == OrderState.REFUNDED
    assert_ledger_balanced()
