"""Refunds WeChat Pay never confirmed: the sweep (`sync_stale_refunds`) asks WeChat Pay about
every refund still "processing" after a minute, applies what it knows once (whatever notify
comes too), sends again (same out_refund_no) a refund that never reached it, backs off while
WeChat cannot be reached and gives up after a day, with the reason on the order page."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.test import Client
from django.utils import timezone

from weizheng.core.models import AuditLog
from weizheng.notifications.models import Notification
from weizheng.payments import actions, wechatpay
from weizheng.payments.models import (
    EventOutcome,
    LedgerEntry,
    Merchant,
    Order,
    OrderState,
    PaymentEvent,
    Refund,
    RefundState,
)
from weizheng.staff.models import Department, Membership, Role
from weizheng.staff.testing import login_staff
from weizheng.wechat_mock import pay as mock_pay
from weizheng.wechat_mock.models import MockPayRefund

from .conftest import assert_ledger_balanced
from .test_concurrency import _together

pytestmark = pytest.mark.django_db(transaction=True)

DEAD = "http://127.0.0.1:9"  # nothing listens there: "WeChat Pay cannot be reached"


def _paid(pay_world):
    order = pay_world.order()
    mock_pay.confirm_payment(prepay_id=order.prepay_id, openid=order.openid)
    order.refresh_from_db()
    return order


def _refund(pay_world, order, number, notify_url=""):
    return actions.check_request_refund(
        order=order,
        amount_fen=order.amount_fen,
        reason="重复缴费",
        actor=None,
        out_refund_no=number,
        notify_url=notify_url or pay_world.notify_url,
    )


def _wechat_down(pay_world):
    Merchant.objects.filter(pk=pay_world.merchant.pk).update(api_base_url=DEAD + "/pay")


def _wechat_up(pay_world):
    Merchant.objects.filter(pk=pay_world.merchant.pk).update(
        api_base_url=pay_world.merchant.api_base_url
    )


def _later(seconds: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=seconds)


def _wait_for(predicate, seconds=5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _legs(number):
    return {
        e.ledger_account: e.amount_fen
        for e in LedgerEntry.objects.filter(movement=f"refund:{number}")
    }


def _count_calls(monkeypatch, name, before=None):
    calls: list[str] = []
    original = getattr(wechatpay, name)

    def spy(*args, **kwargs):
        calls.append(kwargs.get("out_refund_no", ""))
        if before is not None:
            before()
        return original(*args, **kwargs)

    monkeypatch.setattr(wechatpay, name, spy)
    return calls


def test_a_refund_wechat_could_not_take_is_sent_again_by_the_sweep(pay_world):
    order = _paid(pay_world)
    _wechat_down(pay_world)

    refund = _refund(pay_world, order, "RF-DOWN")

    assert refund.state == RefundState.PROCESSING
    assert refund.last_error.startswith("unavailable: ")
    assert not MockPayRefund.objects.exists()
    assert actions.sync_stale_refunds() == 0  # not before a minute has passed
    _wechat_up(pay_world)

    assert actions.sync_stale_refunds(now=_later(61)) == 1

    assert MockPayRefund.objects.filter(out_refund_no="RF-DOWN").count() == 1
    assert _wait_for(lambda: Refund.objects.get(pk=refund.pk).state == RefundState.SUCCEEDED)
    assert _legs("RF-DOWN") == {
        "refunds": order.amount_fen,
        "wechatpay_receivable": -order.amount_fen,
    }
    assert Order.objects.get(pk=order.pk).state == OrderState.REFUNDED
    retry = AuditLog.objects.get(action="payments.refund_retry")
    assert retry.detail["outcome"] == "resent"
    assert retry.detail["attempt"] == 1
    assert_ledger_balanced()


def test_a_refund_whose_notify_was_lost_is_applied_once_by_the_query(pay_world):
    order = _paid(pay_world)
    refund = _refund(pay_world, order, "RF-LOST", notify_url=DEAD + "/notify")
    time.sleep(0.3)  # the mock's notify to nowhere has failed
    assert Refund.objects.get(pk=refund.pk).state == RefundState.PROCESSING

    assert actions.sync_stale_refunds(now=_later(61)) == 1

    refund.refresh_from_db()
    assert refund.state == RefundState.SUCCEEDED
    assert refund.refund_id == MockPayRefund.objects.get(out_refund_no="RF-LOST").refund_id
    assert _legs("RF-LOST") == {
        "refunds": order.amount_fen,
        "wechatpay_receivable": -order.amount_fen,
    }
    # The notify arrives after all: nothing changes.
    headers, body = mock_pay.refund_notify(MockPayRefund.objects.get(out_refund_no="RF-LOST"))
    assert mock_pay.post_notify(pay_world.notify_url, headers, body) == 204
    assert LedgerEntry.objects.filter(movement="refund:RF-LOST").count() == 2
    assert Order.objects.get(pk=order.pk).refunded_fen == order.amount_fen
    assert Notification.objects.filter(kind="payments.refunded").count() == 1
    assert actions.sync_stale_refunds(now=_later(3600)) == 0
    assert_ledger_balanced()


def test_a_notify_arriving_while_the_sweep_queries_is_applied_once(pay_world, monkeypatch):
    order = _paid(pay_world)
    refund = _refund(pay_world, order, "RF-RACE", notify_url=DEAD + "/notify")
    time.sleep(0.3)

    def notify_meanwhile():
        headers, body = mock_pay.refund_notify(MockPayRefund.objects.get(out_refund_no="RF-RACE"))
        assert mock_pay.post_notify(pay_world.notify_url, headers, body) == 204

    _count_calls(monkeypatch, "query_refund", before=notify_meanwhile)

    assert actions.sync_stale_refunds(now=_later(61)) == 1

    assert Refund.objects.get(pk=refund.pk).state == RefundState.SUCCEEDED
    assert LedgerEntry.objects.filter(movement="refund:RF-RACE").count() == 2
    outcomes = sorted(
        PaymentEvent.objects.filter(source__in=["refund_notify", "refund_query"]).values_list(
            "source", "outcome"
        )
    )
    assert outcomes == [
        ("refund_notify", EventOutcome.APPLIED),
        ("refund_query", EventOutcome.ALREADY),
    ]
    assert Notification.objects.filter(kind="payments.refunded").count() == 1
    assert_ledger_balanced()


def test_two_sweeps_at_once_send_the_refund_once(pay_world, monkeypatch):
    order = _paid(pay_world)
    _wechat_down(pay_world)
    refund = _refund(pay_world, order, "RF-TWO")
    _wechat_up(pay_world)
    queries = _count_calls(monkeypatch, "query_refund", before=lambda: time.sleep(0.3))
    sends = _count_calls(monkeypatch, "refund")
    now = _later(61)

    results = _together(
        lambda: actions.sync_stale_refunds(now=now), lambda: actions.sync_stale_refunds(now=now)
    )

    assert sorted(results) == [0, 1], results  # type: ignore[type-var]
    assert (queries, sends) == (["RF-TWO"], ["RF-TWO"])
    assert MockPayRefund.objects.count() == 1
    assert _wait_for(lambda: Refund.objects.get(pk=refund.pk).state == RefundState.SUCCEEDED)
    assert LedgerEntry.objects.filter(movement="refund:RF-TWO").count() == 2


def test_checks_back_off_and_give_up_after_a_day_with_the_reason(pay_world):
    order = _paid(pay_world)
    _wechat_down(pay_world)
    refund = _refund(pay_world, order, "RF-GONE")
    created = refund.created_at

    delays = []
    for _ in range(3):
        due = Refund.objects.get(pk=refund.pk).next_attempt_at
        early = due - dt.timedelta(seconds=1)
        assert actions.do_attempt_refund(refund_id=refund.pk, now=early) == "not_due"
        assert actions.do_attempt_refund(refund_id=refund.pk, now=due) == "retry"
        delays.append(Refund.objects.get(pk=refund.pk).next_attempt_at - timezone.now())
    # 1 min, 2 min, 4 min (to the second)
    assert [round(d.total_seconds() / 60) for d in delays] == [1, 2, 4]
    refund.refresh_from_db()
    assert (refund.state, refund.attempts) == (RefundState.PROCESSING, 3)
    assert AuditLog.objects.filter(action="payments.refund_retry").count() == 3

    outcome = actions.do_attempt_refund(
        refund_id=refund.pk, now=created + dt.timedelta(hours=24, seconds=1)
    )

    assert outcome == "gave_up"
    refund.refresh_from_db()
    assert refund.state == RefundState.FAILED
    assert refund.last_error.startswith("gave_up: unavailable: cannot reach WeChat Pay")
    assert Order.objects.get(pk=order.pk).refunded_fen == 0
    failed = AuditLog.objects.get(action="payments.refund_failed")
    assert failed.detail["out_refund_no"] == "RF-GONE"
    assert failed.detail["error"].startswith("gave_up: unavailable")
    assert not LedgerEntry.objects.filter(movement="refund:RF-GONE").exists()
    assert actions.sync_stale_refunds(now=_later(7 * 24 * 3600)) == 0


def test_the_order_page_says_why_a_refund_is_retried_and_why_it_was_given_up(
    pay_world, django_user_model
):
    water = Department.objects.create(name="平安水务集团客服中心")
    water.accounts.add(pay_world.account)
    fiona = django_user_model.objects.create_user("fiona", password="pw-123456789", is_staff=True)
    Membership.objects.create(user=fiona, department=water, role=Role.FINANCE)
    client = Client()
    login_staff(client, fiona)
    order = _paid(pay_world)
    _wechat_down(pay_world)
    refund = _refund(pay_world, order, "RF-PAGE")
    page = f"/office/accounts/{pay_world.account.pk}/payments/orders/{order.pk}/"

    retrying = client.get(page).content.decode()

    # The clerk's page is in Chinese, the back office's default language.
    assert "微信支付尚未确认此笔退款" in retrying
    assert "上次查询结果：无法连接微信支付。" in retrying

    actions.do_attempt_refund(refund_id=refund.pk, now=refund.created_at + dt.timedelta(hours=25))
    given_up = client.get(page).content.decode()

    assert "微信支付一天内未确认此笔退款，已放弃" in given_up
    assert "最后一次查询结果：无法连接微信支付。" in given_up


def _answer(refund, status):
    return {
        "out_refund_no": refund.out_refund_no,
        "refund_id": "50300000000000000000000000001",
        "status": status,
        "amount": {"refund": refund.amount_fen, "total": refund.order.amount_fen},
    }


def test_a_refund_wechat_still_processes_is_not_given_up(pay_world, monkeypatch):
    order = _paid(pay_world)
    _wechat_down(pay_world)
    refund = _refund(pay_world, order, "RF-SLOW")
    monkeypatch.setattr(wechatpay, "query_refund", lambda *a, **k: _answer(refund, "PROCESSING"))

    outcome = actions.do_attempt_refund(
        refund_id=refund.pk, now=refund.created_at + dt.timedelta(hours=25)
    )

    assert outcome == "retry"
    refund.refresh_from_db()
    assert refund.state == RefundState.PROCESSING
    assert refund.last_error == "processing: WeChat Pay says PROCESSING"
    assert refund.refund_id == "50300000000000000000000000001"
    assert Order.objects.get(pk=order.pk).refunded_fen == order.amount_fen


def test_a_refund_wechat_closed_fails_through_the_query(pay_world, monkeypatch):
    order = _paid(pay_world)
    _wechat_down(pay_world)
    refund = _refund(pay_world, order, "RF-SHUT")
    monkeypatch.setattr(wechatpay, "query_refund", lambda *a, **k: _answer(refund, "CLOSED"))

    assert actions.do_attempt_refund(refund_id=refund.pk, now=_later(61)) == "applied"

    refund.refresh_from_db()
    assert (refund.state, refund.last_error) == (RefundState.FAILED, "closed: refund CLOSED")
    assert Order.objects.get(pk=order.pk).refunded_fen == 0
    assert not LedgerEntry.objects.filter(movement="refund:RF-SHUT").exists()
