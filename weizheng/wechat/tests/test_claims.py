"""The group-commit writer: claims committed before the answer, replies written behind it."""

from __future__ import annotations

import time

import pytest
from django.db import DatabaseError
from django.test import Client

from weizheng.wechat import claims
from weizheng.wechat.models import InboundMessage
from weizheng.wechat.testing import signed_request, text_xml

pytestmark = pytest.mark.django_db(transaction=True)


def post_without_flush(account, xml):
    query, body = signed_request(account, xml)
    return Client().post(f"/wx/{account.slug}/?{query}", data=body, content_type="text/xml")


def test_the_claim_is_committed_before_the_answer(plain_account):
    response = post_without_flush(
        plain_account, text_xml(plain_account, "oCLAIM000000000000000000000001", "你好")
    )
    assert response.status_code == 200
    assert InboundMessage.objects.filter(openid="oCLAIM000000000000000000000001").exists()


def test_a_reply_is_written_behind_the_answer_without_later_traffic(plain_account):
    response = post_without_flush(
        plain_account, text_xml(plain_account, "oCLAIM000000000000000000000002", "你好")
    )
    deadline = time.monotonic() + 2
    row = InboundMessage.objects.get()
    while row.status == "processing" and time.monotonic() < deadline:
        time.sleep(0.01)
        row.refresh_from_db()
    assert row.status == "replied"
    assert row.reply == response.content.decode()


def test_a_database_failure_answers_503_and_wechat_retries(plain_account, monkeypatch):
    def broken(self, claims_, replies):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(claims.ClaimWriter, "_commit", broken)
    response = post_without_flush(
        plain_account, text_xml(plain_account, "oCLAIM000000000000000000000003", "你好")
    )
    assert response.status_code == 503
    monkeypatch.undo()
    assert InboundMessage.objects.count() == 0


def test_without_group_commit_the_same_answers_come_back(plain_account, settings):
    settings.WECHAT_GROUP_COMMIT = False
    xml = text_xml(plain_account, "oCLAIM000000000000000000000004", "重试", msg_id="4242")
    first = post_without_flush(plain_account, xml)
    again = post_without_flush(plain_account, xml)
    assert first.status_code == again.status_code == 200
    assert first.content == again.content
    assert InboundMessage.objects.get().status == "replied"
