"""The Redis fast path: claims and replies in Redis, the log row written behind the answer."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection
from django.test import Client

from weizheng.wechat.fastpath import _client
from weizheng.wechat.gateway import flush_pending_writes
from weizheng.wechat.models import InboundMessage
from weizheng.wechat.protocol.replies import TextReply
from weizheng.wechat.protocol.xmlparse import parse_xml
from weizheng.wechat.testing import post_to_callback, text_xml

pytestmark = pytest.mark.django_db(transaction=True)

TEST_REDIS = "redis://127.0.0.1:6379/14"
OPENID = "oFAST00000000000000000000000001"


@pytest.fixture
def fast_path(settings):
    import redis

    try:
        redis.Redis.from_url(TEST_REDIS, socket_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("Redis is not reachable at 127.0.0.1:6379 (CI always has it)")
    settings.REDIS_URL = TEST_REDIS
    settings.WECHAT_REDIS_FAST_PATH = True
    _client(TEST_REDIS).flushdb()
    yield
    _client(TEST_REDIS).flushdb()


@pytest.fixture
def counting_router(clean_router):
    calls = []

    @clean_router.on("text")
    def answer(ctx):
        calls.append(ctx.message.content)
        time.sleep(0.05)
        return TextReply(content=f"已收到：{ctx.message.content}")

    clean_router.calls = calls
    return clean_router


def test_a_message_is_answered_and_its_row_written_behind(
    fast_path, plain_account, counting_router
):
    response = post_to_callback(
        Client(), plain_account, text_xml(plain_account, OPENID, "快速通道")
    )
    assert parse_xml(response.content)["Content"] == "已收到：快速通道"
    flush_pending_writes()
    row = InboundMessage.objects.get()
    assert (row.kind, row.status, row.reply) == ("text", "replied", response.content.decode())
    assert row.fields["content"] == "快速通道"


@pytest.mark.parametrize("account_fixture", ["plain_account", "safe_account"])
def test_a_retry_gets_the_same_bytes_from_redis(
    request, fast_path, counting_router, account_fixture
):
    account = request.getfixturevalue(account_fixture)
    xml = text_xml(account, OPENID, "重试", msg_id="8080")
    first = post_to_callback(Client(), account, xml)
    again = post_to_callback(Client(), account, xml)
    assert first.content == again.content
    assert counting_router.calls == ["重试"]


def test_concurrent_retries_run_the_handler_once(fast_path, plain_account, counting_router):
    xml = text_xml(plain_account, OPENID, "并发", msg_id="9090")
    barrier = threading.Barrier(6)
    bodies = []

    def attempt():
        try:
            barrier.wait(timeout=10)
            bodies.append(post_to_callback(Client(), plain_account, xml).content)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(bodies) == 6 and len(set(bodies)) == 1
    assert counting_router.calls == ["并发"]
    flush_pending_writes()
    assert InboundMessage.objects.count() == 1


def test_forgeries_are_refused(fast_path, plain_account, counting_router):
    ts = str(int(time.time()))
    client = Client()
    post_to_callback(
        client,
        plain_account,
        text_xml(plain_account, OPENID, "原文", msg_id="1"),
        timestamp=ts,
        nonce="n1",
    )
    replayed = post_to_callback(
        client,
        plain_account,
        text_xml(plain_account, OPENID, "篡改", msg_id="2"),
        timestamp=ts,
        nonce="n1",
    )
    same_id = post_to_callback(
        client, plain_account, text_xml(plain_account, OPENID, "篡改", msg_id="1")
    )
    assert (replayed.status_code, same_id.status_code) == (403, 403)
    assert counting_router.calls == ["原文"]


def test_redis_down_falls_back_to_the_database_path(settings, plain_account, counting_router):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    settings.WECHAT_REDIS_FAST_PATH = True
    xml = text_xml(plain_account, OPENID, "降级", msg_id="7070")
    first = post_to_callback(Client(), plain_account, xml)
    again = post_to_callback(Client(), plain_account, xml)
    assert parse_xml(first.content)["Content"] == "已收到：降级"
    assert first.content == again.content
    assert counting_router.calls == ["降级"]
    assert InboundMessage.objects.get().status == "replied"


def test_a_late_reply_is_sent_as_a_customer_service_message(
    fast_path, plain_account, clean_router, settings, monkeypatch
):
    settings.WECHAT_REPLY_BUDGET_SECONDS = 0.2
    sent = []
    monkeypatch.setattr(
        "weizheng.wechat.tasks.send_custom_message", lambda account, payload: sent.append(payload)
    )

    @clean_router.on("text")
    def slow(ctx):
        time.sleep(0.5)
        return TextReply(content="稍后送达")

    response = post_to_callback(Client(), plain_account, text_xml(plain_account, OPENID, "慢"))
    assert response.content == b"success"
    deadline = time.monotonic() + 5
    while not sent and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sent == [{"touser": OPENID, "msgtype": "text", "text": {"content": "稍后送达"}}]
    assert InboundMessage.objects.get().reply == "(sent as customer-service message)"
