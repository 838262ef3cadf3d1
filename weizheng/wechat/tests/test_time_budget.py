"""A handler slower than the budget: WeChat gets "success" in time, the citizen gets the reply
later as a customer-service message sent from a task."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from weizheng.wechat.models import InboundMessage
from weizheng.wechat.protocol.replies import TextReply
from weizheng.wechat.testing import post_to_callback, text_xml

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_slow_handler_answers_success_in_time_and_replies_later(
    plain_account, clean_router, settings, monkeypatch
):
    settings.WECHAT_REPLY_BUDGET_SECONDS = 0.3
    sent = []
    monkeypatch.setattr(
        "weizheng.wechat.tasks.send_custom_message",
        lambda account, payload: sent.append((account.slug, payload)),
    )

    @clean_router.on("text")
    def slow(ctx):
        time.sleep(0.8)
        return TextReply(content="查询结果：您名下无未处理的交通违法记录。")

    started = time.monotonic()
    response = post_to_callback(
        Client(),
        plain_account,
        text_xml(plain_account, "oSLOW00000000000000000000000001", "查违章"),
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert response.content == b"success"
    assert elapsed < 0.8  # answered before the handler finished
    assert InboundMessage.objects.get().status == "deferred"
    assert wait_for(lambda: sent)
    assert sent == [
        (
            "police",
            {
                "touser": "oSLOW00000000000000000000000001",
                "msgtype": "text",
                "text": {"content": "查询结果：您名下无未处理的交通违法记录。"},
            },
        )
    ]
    assert wait_for(
        lambda: InboundMessage.objects.get().reply == "(sent as customer-service message)"
    )


def test_a_retry_of_a_deferred_message_gets_success_and_nothing_runs_twice(
    plain_account, clean_router, settings, monkeypatch
):
    settings.WECHAT_REPLY_BUDGET_SECONDS = 0.2
    runs = []
    monkeypatch.setattr("weizheng.wechat.tasks.send_custom_message", lambda account, payload: None)

    @clean_router.on("text")
    def slow(ctx):
        runs.append(1)
        time.sleep(0.5)
        return TextReply(content="稍后回复")

    xml = text_xml(plain_account, "oSLOW00000000000000000000000002", "慢", msg_id="555")
    first = post_to_callback(Client(), plain_account, xml)
    retry = post_to_callback(Client(), plain_account, xml)
    assert first.content == retry.content == b"success"
    time.sleep(0.6)
    assert runs == [1]


def test_the_budget_counts_from_arrival_not_from_the_handler(
    plain_account, clean_router, settings, monkeypatch
):
    """A slow claim (a busy database) leaves less time for the handler: the answer still leaves
    within the budget."""
    from weizheng.wechat import claims

    settings.WECHAT_REPLY_BUDGET_SECONDS = 0.5
    monkeypatch.setattr("weizheng.wechat.tasks.send_custom_message", lambda account, payload: None)
    real_claim = claims.writer.claim

    def slow_claim(claim, *, timeout=4.0):
        time.sleep(0.35)
        return real_claim(claim, timeout=timeout)

    monkeypatch.setattr(claims.writer, "claim", slow_claim)

    @clean_router.on("text")
    def medium(ctx):
        time.sleep(0.3)  # within the budget alone, not after the slow claim
        return TextReply(content="慢一点")

    started = time.monotonic()
    response = post_to_callback(
        Client(), plain_account, text_xml(plain_account, "oBUDGET0000000000000000000001", "x")
    )
    assert response.content == b"success"
    assert time.monotonic() - started < 0.65
    # Let the late reply go out before the test database is torn down.
    assert wait_for(
        lambda: InboundMessage.objects.get().reply == "(sent as customer-service message)"
    )
