"""Refusals before any money moves: amounts other than the bill's, bills already paid, a bill
already being paid by someone else, unknown account numbers."""

from __future__ import annotations

import pytest

from weizheng.core.errors import AppError
from weizheng.payments import actions
from weizheng.payments.models import DemoBillerPayment, Order
from weizheng.wechat_mock.models import MockPayOrder

pytestmark = pytest.mark.django_db(transaction=True)


def _order(pay_world, **overrides):
    arguments = {
        "account": pay_world.account,
        "openid": pay_world.openid,
        "biller": pay_world.water,
        "reference": "3100012345",
        "subject": None,
        "amount_fen": None,
        "notify_url": pay_world.notify_url,
        **overrides,
    }
    return actions.check_create_order(**arguments)


@pytest.mark.parametrize("delta", ["zero", "below", "above", "part"])
def test_an_amount_other_than_the_bills_is_refused(pay_world, delta):
    bill = actions.check_lookup(biller=pay_world.water, reference="3100012345", subject=None)
    amount = {"zero": 0, "below": -1, "above": bill.amount_fen + 1, "part": bill.amount_fen // 2}[
        delta
    ]

    with pytest.raises(AppError) as refused:
        _order(pay_world, amount_fen=amount)

    assert refused.value.code == "amount_mismatch"
    assert "exactly the amount of the bill" in refused.value.message
    assert not Order.objects.exists()
    assert not MockPayOrder.objects.exists()


def test_a_bill_paid_already_is_refused(pay_world):
    bill = actions.check_lookup(biller=pay_world.water, reference="3100012345", subject=None)
    DemoBillerPayment.objects.create(
        biller_code="water",
        reference="3100012345",
        period=bill.period,
        amount_fen=bill.amount_fen,
        order_no="X",
        receipt_no="R",
    )

    with pytest.raises(AppError) as refused:
        _order(pay_world)

    assert (refused.value.code, refused.value.status) == ("already_paid", 409)
    assert not Order.objects.exists()


def test_a_bill_being_paid_by_someone_else_is_refused_and_the_same_citizen_gets_their_order(
    pay_world,
):
    first = _order(pay_world)

    again = _order(pay_world)
    with pytest.raises(AppError) as refused:
        _order(pay_world, openid="oSomeoneElse")

    assert again.pk == first.pk
    assert refused.value.code == "bill_in_payment"
    assert Order.objects.count() == 1


def test_an_unknown_account_number_is_not_found(pay_world):
    with pytest.raises(AppError) as refused:
        _order(pay_world, reference="1234567")
    assert (refused.value.code, refused.value.status) == ("not_found", 404)
    assert not Order.objects.exists()


def test_the_biller_down_at_lookup_is_a_clear_503(pay_world):
    from weizheng.payments.models import Biller

    Biller.objects.filter(pk=pay_world.water.pk).update(demo_unavailable=True)
    with pytest.raises(AppError) as refused:
        _order(pay_world)
    assert (refused.value.code, refused.value.status) == ("biller_unavailable", 503)
