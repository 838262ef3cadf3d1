"""Retries arriving together, from several threads (each with its own database connection):
one handler run, identical replies. Runs on SQLite and, in CI, on PostgreSQL."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection
from django.test import Client

from weizheng.wechat.models import InboundMessage
from weizheng.wechat.protocol.replies import TextReply
from weizheng.wechat.testing import post_to_callback, text_xml

pytestmark = pytest.mark.django_db(transaction=True)

RETRIES = 8


def _post_concurrently(account, xml, *, threads=RETRIES):
    barrier = threading.Barrier(threads)
    results: list = [None] * threads

    def attempt(index):
        try:
            barrier.wait(timeout=10)
            response = post_to_callback(Client(), account, xml)  # each retry re-signed, new nonce
            results[index] = (response.status_code, response.content)
        finally:
            connection.close()

    workers = [threading.Thread(target=attempt, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    return results


@pytest.mark.parametrize("account_fixture", ["plain_account", "safe_account"])
def test_concurrent_retries_run_the_handler_once_and_get_identical_replies(
    request, clean_router, account_fixture
):
    account = request.getfixturevalue(account_fixture)
    runs = []
    lock = threading.Lock()

    @clean_router.on("text")
    def slow(ctx):
        with lock:
            runs.append(ctx.inbound_id)
        time.sleep(0.3)  # retries arrive while the first attempt is still working
        return TextReply(content="您的申请已受理，受理编号 WZ20261126001。")

    results = _post_concurrently(
        account, text_xml(account, "oRETRY000000000000000000000001", "查进度", msg_id="31415926")
    )
    assert all(r is not None for r in results)
    assert {status for status, _ in results} == {200}
    assert len({body for _, body in results}) == 1
    assert results[0][1] not in (b"", b"success")
    assert len(runs) == 1
    assert InboundMessage.objects.count() == 1


def test_concurrent_distinct_messages_are_all_handled(plain_account, clean_router):
    seen = []
    lock = threading.Lock()

    @clean_router.on("text")
    def record(ctx):
        with lock:
            seen.append(ctx.message.content)
        return TextReply(content="ok")

    barrier = threading.Barrier(8)

    def send(i):
        try:
            barrier.wait(timeout=10)
            post_to_callback(
                Client(), plain_account, text_xml(plain_account, f"oUSER{i:025d}", f"消息{i}")
            )
        finally:
            connection.close()

    workers = [threading.Thread(target=send, args=(i,)) for i in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert sorted(seen) == sorted(f"消息{i}" for i in range(8))
    assert InboundMessage.objects.count() == 8
