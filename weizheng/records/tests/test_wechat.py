"""Record queries by WeChat text command, through the signed callback: a summary and a link for a
bound citizen, the binding link for an unbound one, nothing from us when the query is off."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from weizheng.core.models import AuditLog
from weizheng.identity.testing import make_binding
from weizheng.records import actions
from weizheng.records.connectors.base import BackendTimeout
from weizheng.records.connectors.demo import DemoConnector
from weizheng.replies.actions import do_save_default_reply
from weizheng.wechat.protocol.xmlparse import parse_xml
from weizheng.wechat.testing import post_to_callback, text_xml

pytestmark = pytest.mark.django_db(transaction=True)

BOUND = "oRECORDSBOUND000000000000001"
UNBOUND = "oRECORDSUNBOUND0000000000002"
BASE = "https://wx.pingan.gov.cn"


@pytest.fixture(autouse=True)
def _quiet(monkeypatch, settings):
    monkeypatch.setattr(
        "weizheng.followers.actions._queue_profile_sync", lambda account_id, openid: None
    )
    settings.PUBLIC_BASE_URL = BASE + "/"


@pytest.fixture
def police(plain_account):
    for code in ("violations", "licence-points"):
        actions.do_set_mode(account=plain_account, code=code, mode="demo", actor=None)
    make_binding(account=plain_account, openid=BOUND)
    do_save_default_reply(account=plain_account, data={"text": "默认回复"}, actor=None)
    return plain_account


def send(account, openid, text):
    response = post_to_callback(Client(), account, text_xml(account, openid, text))
    assert response.status_code == 200
    return parse_xml(response.content)["Content"]


def said(account, message, **params):
    with translation.override(account.default_language):
        return gettext(message) % params


def test_a_bound_citizen_gets_a_summary_and_the_link_to_the_page(police):
    content = send(police, BOUND, "查违章 粤b12345")

    assert content.startswith("粤B·12345")
    assert f"{BASE}/h5/police/records/violations/?plate=%E7%B2%A4B12345" in content
    row = AuditLog.objects.get(action="records.query")
    assert row.detail["channel"] == "wechat" and row.detail["params"] == {"plate": "粤B·1**45"}


def test_the_licence_points_command_needs_no_parameter(police):
    content = send(police, BOUND, "查记分")

    assert "12" in content
    assert f"{BASE}/h5/police/records/licence-points/" in content


def test_an_unbound_citizen_gets_the_binding_link_and_nothing_is_queried(police):
    content = send(police, UNBOUND, "查违章 粤B12345")

    assert content.startswith(
        said(police, "Record queries are made in your real name. Please bind your identity first:")
    )
    assert f"{BASE}/h5/police/id/?next=%2Fh5%2Fpolice%2Frecords%2Fviolations%2F" in content
    assert not AuditLog.objects.filter(action="records.query").exists()


def test_a_bad_plate_is_answered_with_the_reason(police):
    content = send(police, BOUND, "查违章 粤B1")

    assert "粤B·12345" in content
    assert not AuditLog.objects.filter(action="records.query").exists()


def test_the_command_without_a_plate_says_how_to_use_it(police):
    content = send(police, BOUND, "查违章")
    assert "查违章 粤B·12345" in content


def test_a_query_that_is_off_is_left_to_the_accounts_other_replies(police):
    assert send(police, BOUND, "查公积金") == "默认回复"
    assert not AuditLog.objects.filter(action="records.query").exists()


def test_a_backend_timeout_is_a_clear_reply(police, monkeypatch):
    def slow(self, request):
        raise BackendTimeout("slow")

    monkeypatch.setattr(DemoConnector, "fetch", slow)
    content = send(police, BOUND, "查记分")

    assert content.startswith(
        said(
            police,
            "The records office cannot answer right now. Please try again in a minute, or open:",
        )
    )
    assert AuditLog.objects.get(action="records.query").detail["outcome"] == "timeout"
