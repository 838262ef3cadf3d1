"""WeChat Pay notifies: genuine ones pay the order once; forged, tampered, stale, replayed and
mismatched ones change nothing and leave their reason in the notify log."""

from __future__ import annotations

import pytest

from weizheng.payments import protocol
from weizheng.payments.models import (
    EventOutcome,
    LedgerEntry,
    Order,
    OrderState,
    PaymentEvent,
    WriteOff,
)
from weizheng.wechat_mock import pay as mock_pay

from .conftest import APIV3_KEY, MCHID, assert_ledger_balanced
from .notify_helpers import independent_notify, post, success_resource

pytestmark = pytest.mark.django_db(transaction=True)


def _platform():
    return mock_pay.platform()


def test_an_order_is_placed_with_the_mock_wechat_pay_and_awaits_payment(pay_world):
    order = pay_world.order()

    assert order.state == OrderState.PAYING
    assert order.prepay_id.startswith("wx")
    assert order.amount_fen > 0
    mock_order = mock_pay.MockPayOrder.objects.get(out_trade_no=order.out_trade_no)
    assert mock_order.total == order.amount_fen
    assert mock_order.payer_openid == order.openid
    assert mock_order.notify_url == pay_world.notify_url


def test_paying_in_the_mock_sends_a_signed_notify_that_pays_the_order_once(pay_world):
    order = pay_world.order()

    mock_pay.confirm_payment(prepay_id=order.prepay_id, openid=order.openid)

    order.refresh_from_db()
    assert order.state in (OrderState.PAID, OrderState.SETTLED)
    assert order.transaction_id.startswith("42000")
    pay_legs = LedgerEntry.objects.filter(movement=f"pay:{order.out_trade_no}")
    assert sorted((e.ledger_account, e.amount_fen) for e in pay_legs) == [
        ("citizen_clearing", -order.amount_fen),
        ("wechatpay_receivable", order.amount_fen),
    ]
    assert WriteOff.objects.filter(order=order).count() == 1
    assert PaymentEvent.objects.filter(order=order, outcome=EventOutcome.APPLIED).count() == 1
    assert_ledger_balanced()


def test_a_notify_signed_independently_with_the_platform_key_is_accepted(pay_world):
    order = pay_world.order()
    keys = _platform()
    headers, body = independent_notify(
        success_resource(order, mchid=MCHID),
        private_pem=keys.private_key,
        serial=keys.public_key_id,
        apiv3_key=APIV3_KEY,
    )

    response = post(pay_world.notify_url, headers, body)

    assert response.status_code == 204
    order.refresh_from_db()
    assert order.transaction_id == "4200002026112612345678901234"


def _assert_refused(pay_world, order, response, reason):
    assert response.status_code == 401
    assert response.json()["code"] == "FAIL"
    order.refresh_from_db()
    assert order.state == OrderState.PAYING
    assert order.transaction_id is None
    assert not LedgerEntry.objects.exists()
    assert not WriteOff.objects.exists()
    event = PaymentEvent.objects.get()
    assert (event.outcome, event.reason) == (EventOutcome.REJECTED, reason)


def test_a_notify_signed_with_another_key_is_refused(pay_world):
    order = pay_world.order()
    forger = protocol.generate_private_key_pem()
    headers, body = independent_notify(
        success_resource(order, mchid=MCHID),
        private_pem=forger,
        serial=_platform().public_key_id,
        apiv3_key=APIV3_KEY,
    )

    _assert_refused(pay_world, order, post(pay_world.notify_url, headers, body), "bad_signature")


def test_a_notify_whose_body_was_altered_after_signing_is_refused(pay_world):
    order = pay_world.order()
    keys = _platform()
    headers, body = independent_notify(
        success_resource(order, mchid=MCHID),
        private_pem=keys.private_key,
        serial=keys.public_key_id,
        apiv3_key=APIV3_KEY,
    )
    tampered = body.replace('"summary": "', '"summary": "x')

    _assert_refused(
        pay_world, order, post(pay_world.notify_url, headers, tampered), "bad_signature"
    )


def test_a_notify_with_an_unknown_serial_is_refused(pay_world):
    order = pay_world.order()
    keys = _platform()
    headers, body = independent_notify(
        success_resource(order, mchid=MCHID),
        private_pem=keys.private_key,
        serial="PUB_KEY_ID_0000",
        apiv3_key=APIV3_KEY,
    )

    _assert_refused(pay_world, order, post(pay_world.notify_url, headers, body), "unknown_serial")


def test_a_notify_encrypted_with_another_apiv3_key_is_refused(pay_world):
    order = pay_world.order()
    keys = _platform()
    headers, body = independent_notify(
        success_resource(order, mchid=MCHID),
        private_pem=keys.private_key,
        serial=keys.public_key_id,
        apiv3_key="0" * 32,
    )

    _assert_refused(pay_world, order, post(pay_world.notify_url, headers, body), "decrypt_failed")


def test_a_notify_older_than_five_minutes_is_refused_as_stale(pay_world):
    import time

    order = pay_world.order()
    keys = _platform()
    headers, body = independent_notify(
        success_resource(order, mchid=MCHID),
        private_pem=keys.private_key,
        serial=keys.public_key_id,
        apiv3_key=APIV3_KEY,
        timestamp=int(time.time()) - 301,
    )

    _assert_refused(pay_world, order, post(pay_world.notify_url, headers, body), "stale")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"total": 1}, "amount_mismatch"),
        ({"mchid": "1900000999"}, "mchid_mismatch"),
        ({"appid": "wx0000000000000000"}, "appid_mismatch"),
        ({"out_trade_no": "WZ00000000000000000000"}, "unknown_order"),
    ],
)
def test_a_genuine_notify_that_does_not_match_the_order_changes_nothing(pay_world, change, reason):
    order = pay_world.order()
    keys = _platform()
    resource = success_resource(order, mchid=change.get("mchid", MCHID), total=change.get("total"))
    resource.update({k: v for k, v in change.items() if k in ("appid", "out_trade_no")})
    headers, body = independent_notify(
        resource, private_pem=keys.private_key, serial=keys.public_key_id, apiv3_key=APIV3_KEY
    )

    response = post(pay_world.notify_url, headers, body)

    # Signed and decrypted, so not a 401; the notify is absorbed and logged, nothing is paid.
    assert response.status_code == 204
    order.refresh_from_db()
    assert order.state == OrderState.PAYING
    assert not LedgerEntry.objects.exists()
    event = PaymentEvent.objects.get()
    assert (event.outcome, event.reason) == (EventOutcome.REJECTED, reason)


def test_a_replayed_notify_is_absorbed_without_a_second_payment(pay_world):
    order = pay_world.order()
    keys = _platform()
    headers, body = independent_notify(
        success_resource(order, mchid=MCHID),
        private_pem=keys.private_key,
        serial=keys.public_key_id,
        apiv3_key=APIV3_KEY,
    )

    first = post(pay_world.notify_url, headers, body)
    second = post(pay_world.notify_url, headers, body)

    assert (first.status_code, second.status_code) == (204, 204)
    assert Order.objects.filter(state__in=["paid", "settled"]).count() == 1
    assert LedgerEntry.objects.filter(movement=f"pay:{order.out_trade_no}").count() == 2
    outcomes = sorted(PaymentEvent.objects.values_list("outcome", flat=True))
    assert outcomes == [EventOutcome.ALREADY, EventOutcome.APPLIED]
    assert_ledger_balanced()


def test_a_second_transaction_for_a_paid_order_is_refused_and_logged(pay_world):
    order = pay_world.order()
    keys = _platform()
    for transaction_id in ("4200000000000000000000000001", "4200000000000000000000000002"):
        headers, body = independent_notify(
            success_resource(order, mchid=MCHID, transaction_id=transaction_id),
            private_pem=keys.private_key,
            serial=keys.public_key_id,
            apiv3_key=APIV3_KEY,
        )
        post(pay_world.notify_url, headers, body)

    order.refresh_from_db()
    assert order.transaction_id == "4200000000000000000000000001"
    assert LedgerEntry.objects.count() >= 2
    assert PaymentEvent.objects.filter(reason="paid_by_another_transaction").count() == 1
