"""Daily reconciliation against WeChat Pay's trade bill (downloaded from the mock): each of the
three kinds of mismatch is found, and a clean day has no findings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from weizheng.core.models import AuditLog
from weizheng.payments import actions
from weizheng.payments.models import FindingKind, Order
from weizheng.wechat_mock import pay as mock_pay
from weizheng.wechat_mock.models import MockPayOrder

pytestmark = pytest.mark.django_db(transaction=True)


def _yesterday_noon() -> dt.datetime:
    day = timezone.localdate() - dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(12), tzinfo=timezone.get_current_timezone())


def _paid(pay_world, reference, *, notify=True):
    order = pay_world.order(reference)
    mock_pay.confirm_payment(prepay_id=order.prepay_id, openid=order.openid, send_notify=notify)
    # Move both sides to yesterday: the bill of today is not ready yet.
    noon = _yesterday_noon()
    MockPayOrder.objects.filter(out_trade_no=order.out_trade_no).update(success_time=noon)
    Order.objects.filter(pk=order.pk, paid_at__isnull=False).update(paid_at=noon)
    order.refresh_from_db()
    return order


def test_a_day_where_everything_matches_has_no_findings(pay_world):
    _paid(pay_world, "3100012345")
    _paid(pay_world, "3100056789")

    run = actions.do_reconcile(account=pay_world.account, bill_date=_yesterday_noon().date())

    assert run.error == ""
    assert (run.our_count, run.their_count) == (2, 2)
    assert run.our_total_fen == run.their_total_fen > 0
    assert not run.findings.exists()
    assert AuditLog.objects.filter(action="payments.reconciled").count() == 1


def test_reconciliation_finds_each_of_three_injected_mismatches(pay_world):
    matching = _paid(pay_world, "3100012345")
    missing_there = _paid(pay_world, "3100056789")
    missing_here = _paid(pay_world, "5100023456", notify=False)  # paid at WeChat, notify lost
    mismatch = _paid(pay_world, "5100067890")
    # Inject: WeChat has no record of one payment, and another's amount differs.
    MockPayOrder.objects.filter(out_trade_no=missing_there.out_trade_no).delete()
    MockPayOrder.objects.filter(out_trade_no=mismatch.out_trade_no).update(
        total=mismatch.amount_fen + 100
    )

    run = actions.do_reconcile(account=pay_world.account, bill_date=_yesterday_noon().date())

    findings = {(f.kind, f.out_trade_no): f for f in run.findings.all()}
    assert set(findings) == {
        (FindingKind.MISSING_THERE, missing_there.out_trade_no),
        (FindingKind.MISSING_HERE, missing_here.out_trade_no),
        (FindingKind.AMOUNT_MISMATCH, mismatch.out_trade_no),
    }
    wrong = findings[(FindingKind.AMOUNT_MISMATCH, mismatch.out_trade_no)]
    assert (wrong.our_amount_fen, wrong.their_amount_fen) == (
        mismatch.amount_fen,
        mismatch.amount_fen + 100,
    )
    assert (
        findings[(FindingKind.MISSING_HERE, missing_here.out_trade_no)].their_amount_fen
        == missing_here.amount_fen
    )
    assert matching.out_trade_no not in {key[1] for key in findings}


def test_running_a_day_again_replaces_its_findings(pay_world):
    order = _paid(pay_world, "3100012345")
    MockPayOrder.objects.filter(out_trade_no=order.out_trade_no).delete()
    day = _yesterday_noon().date()
    assert actions.do_reconcile(account=pay_world.account, bill_date=day).findings.count() == 1

    Order.objects.filter(pk=order.pk).update(paid_at=_yesterday_noon() - dt.timedelta(days=1))
    run = actions.do_reconcile(account=pay_world.account, bill_date=day)

    assert run.findings.count() == 0


def test_the_trade_bill_is_wechats_csv_with_backtick_prefixed_values(pay_world):
    from weizheng.payments import wechatpay

    order = _paid(pay_world, "3100012345")
    text = wechatpay.download_trade_bill(
        pay_world.merchant, bill_date=_yesterday_noon().date().isoformat()
    )

    lines = text.strip().splitlines()
    assert lines[0].startswith("交易时间,公众账号ID,商户号")
    assert f"`{order.out_trade_no}" in lines[1] and f"`{order.transaction_id}" in lines[1]
    assert lines[-2].startswith("总交易单数") and lines[-1].startswith("`1,")
    assert actions.parse_trade_bill(text) == {
        order.out_trade_no: {"transaction_id": order.transaction_id, "amount_fen": order.amount_fen}
    }


def test_todays_bill_is_not_available_yet(pay_world):
    run = actions.do_reconcile(account=pay_world.account, bill_date=timezone.localdate())
    assert "400" in run.error
    assert not run.findings.exists()


def _today_at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(
        timezone.localdate(), dt.time(hour, minute), tzinfo=timezone.get_current_timezone()
    )


def test_the_work_loop_reconciles_yesterday_once_after_ten(pay_world):
    from weizheng.payments.models import ReconciliationRun

    _paid(pay_world, "3100012345")

    assert actions.reconcile_due(now=_today_at(9, 59)) == 0  # WeChat's bill is not ready
    assert not ReconciliationRun.objects.exists()
    assert actions.reconcile_due(now=_today_at(10, 5)) == 1
    assert actions.reconcile_due(now=_today_at(10, 6)) == 0  # once per merchant and day
    assert actions.reconcile_due(now=_today_at(23, 0)) == 0

    run = ReconciliationRun.objects.get()
    assert run.bill_date == _yesterday_noon().date()
    assert (run.error, run.our_count, run.their_count) == ("", 1, 1)
    assert AuditLog.objects.filter(action="payments.reconciled").count() == 1


def test_a_day_whose_bill_could_not_be_had_is_tried_again_hourly(pay_world):
    from weizheng.payments.models import Merchant, ReconciliationRun

    _paid(pay_world, "3100012345")
    good_url = pay_world.merchant.api_base_url
    Merchant.objects.filter(pk=pay_world.merchant.pk).update(api_base_url="http://127.0.0.1:9/pay")

    assert actions.reconcile_due(now=_today_at(10, 0)) == 1
    assert ReconciliationRun.objects.get().error != ""
    Merchant.objects.filter(pk=pay_world.merchant.pk).update(api_base_url=good_url)
    assert actions.reconcile_due(now=_today_at(10, 30)) == 0  # not before an hour
    assert actions.reconcile_due(now=_today_at(11, 1)) == 1

    run = ReconciliationRun.objects.get()
    assert (run.error, run.our_count, run.their_count) == ("", 1, 1)


def test_the_work_command_runs_the_daily_reconciliation(pay_world, monkeypatch):
    import io

    from django.core.management import call_command

    _paid(pay_world, "3100012345")
    half_past_ten = _today_at(10, 30)
    monkeypatch.setattr(timezone, "now", lambda: half_past_ten)
    out = io.StringIO()

    call_command("payments_work", stdout=out)

    assert "1 accounts reconciled" in out.getvalue()


def _refunded_yesterday(pay_world, order, number, amount):
    import time

    from weizheng.payments.models import Refund, RefundState
    from weizheng.wechat_mock.models import MockPayRefund

    actions.check_request_refund(
        order=order,
        amount_fen=amount,
        reason="多缴",
        actor=None,
        out_refund_no=number,
        notify_url=pay_world.notify_url,
    )
    deadline = time.monotonic() + 5
    while Refund.objects.get(out_refund_no=number).state != RefundState.SUCCEEDED:
        assert time.monotonic() < deadline, "the refund notify did not come"
        time.sleep(0.05)
    noon = _yesterday_noon() + dt.timedelta(hours=1)
    MockPayRefund.objects.filter(out_refund_no=number).update(success_time=noon)
    Refund.objects.filter(out_refund_no=number).update(succeeded_at=noon)


def test_refunds_are_reconciled_with_the_bills_refund_rows(pay_world):
    from weizheng.wechat_mock.models import MockPayRefund

    first = _paid(pay_world, "3100012345")
    second = _paid(pay_world, "3100056789")
    third = _paid(pay_world, "5100023456")
    _refunded_yesterday(pay_world, first, "RF-MATCH", 100)
    _refunded_yesterday(pay_world, second, "RF-LOST", 100)
    _refunded_yesterday(pay_world, third, "RF-DIFF", 100)
    MockPayRefund.objects.filter(out_refund_no="RF-LOST").delete()
    MockPayRefund.objects.filter(out_refund_no="RF-DIFF").update(amount=150)

    run = actions.do_reconcile(account=pay_world.account, bill_date=_yesterday_noon().date())

    found = {(f.kind, f.out_refund_no, f.their_amount_fen) for f in run.findings.all()}
    assert found == {
        (FindingKind.REFUND_NOT_THERE, "RF-LOST", None),
        (FindingKind.REFUND_AMOUNT, "RF-DIFF", 150),
    }
    assert {f.out_trade_no for f in run.findings.all()} == {second.out_trade_no, third.out_trade_no}
