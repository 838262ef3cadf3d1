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
