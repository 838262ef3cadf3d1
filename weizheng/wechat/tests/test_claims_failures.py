"""The claim writer under failure: bad rows, shared message ids, orphaned claims (from review)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.db import DatabaseError
from django.test import Client
from django.utils import timezone

from conftest import make_account
from weizheng.wechat.claims import Claim, writer
from weizheng.wechat.models import InboundMessage
from weizheng.wechat.protocol.replies import TextReply
from weizheng.wechat.protocol.xmlparse import parse_xml
from weizheng.wechat.testing import post_to_callback, text_xml

pytestmark = pytest.mark.django_db(transaction=True)


def claim_for(account, *, key="m:1", openid="oA", create_time=1700000000, nonce="n"):
    return Claim(
        account_id=account.pk,
        dedupe_key=key,
        openid=openid,
        kind="text",
        msg_id=key[2:],
        event_key="",
        create_time=create_time,
        fields={},
        timestamp=1700000000,
        nonce=nonce,
        body_digest="d",
        received_at=timezone.now(),
    )


def test_one_bad_row_does_not_sink_its_batch(plain_account):
    good, bad = (
        claim_for(plain_account, key="m:good", nonce="n1"),
        claim_for(plain_account, key="m:bad", nonce="n2", create_time=10**20),
    )
    writer._ensure_started()
    with writer._commit_lock:
        writer._claims.extend([good, bad])
        writer._write_batch()
    assert good.row_id is not None and good.error is None
    assert isinstance(bad.error, DatabaseError)
    assert list(InboundMessage.objects.values_list("dedupe_key", flat=True)) == ["m:good"]


def test_the_same_message_id_in_two_accounts_in_one_batch_are_both_new(plain_account):
    other = make_account("water", mode="plain", app_id="wx7c2e9a4b1d3f5e80", token="watertoken")
    first, second = claim_for(plain_account, key="m:42"), claim_for(other, key="m:42")
    writer._ensure_started()
    with writer._commit_lock:
        writer._claims.extend([first, second])
        writer._write_batch()
    assert first.row_id and second.row_id and first.row_id != second.row_id


def test_a_forged_body_cannot_reach_the_log(plain_account, clean_router):
    xml = text_xml(plain_account, "o" * 65, "超长的 openid")
    response = post_to_callback(Client(), plain_account, xml)
    assert response.status_code == 400
    assert InboundMessage.objects.count() == 0


def test_a_unicode_digit_timestamp_is_refused_not_a_crash(plain_account):
    response = Client().post(
        "/wx/police/?signature=x&timestamp=%C2%B2&nonce=1", data=b"<xml/>", content_type="text/xml"
    )
    assert response.status_code == 403


def test_a_retry_takes_over_an_orphaned_claim(plain_account, clean_router):
    runs = []

    @clean_router.on("text")
    def answer(ctx):
        runs.append(ctx.message.content)
        return TextReply(content="已为您重新处理")

    xml = text_xml(plain_account, "oORPHAN00000000000000000000001", "孤儿消息", msg_id="6161")
    InboundMessage.objects.create(
        account=plain_account,
        dedupe_key="m:6161",
        openid="oORPHAN00000000000000000000001",
        kind="text",
        msg_id="6161",
        create_time=1,
        timestamp=1,
        nonce="old",
        body_digest=hashlib.sha1(xml.encode(), usedforsecurity=False).hexdigest(),
        received_at=timezone.now() - timedelta(seconds=60),
    )
    response = post_to_callback(Client(), plain_account, xml)
    assert parse_xml(response.content)["Content"] == "已为您重新处理"
    assert runs == ["孤儿消息"]
    assert InboundMessage.objects.get().status == "replied"
