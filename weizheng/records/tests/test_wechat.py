"""Record queries by WeChat text command, through the signed callback: a summary and a 查看详情
link (a token, never the plate) for a bound citizen, the binding link for an unbound one, and for
a query the account does not offer a reply saying what it does offer."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from weizheng.core.models import AuditLog
from weizheng.identity.testing import make_binding
from weizheng.records import actions, plates
from weizheng.records.connectors.base import BackendTimeout
from weizheng.records.connectors.demo import DemoConnector
from weizheng.replies.actions import do_save_default_reply
from weizheng.wechat.protocol.xmlparse import parse_xml
from weizheng.wechat.testing import post_to_callback, text_xml

from .conftest import ZHANG_ID, ZHANG_PLATE, as_citizen

pytestmark = pytest.mark.django_db(transaction=True)

BOUND = "oRECORDSBOUND000000000000001"
UNBOUND = "oRECORDSUNBOUND0000000000002"
OTHER = "oRECORDSOTHER00000000000003"
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
    make_binding(account=plain_account, openid=BOUND, id_number=ZHANG_ID)
    do_save_default_reply(account=plain_account, data={"text": "默认回复"}, actor=None)
    return plain_account


def send(account, openid, text):
    response = post_to_callback(Client(), account, text_xml(account, openid, text))
    assert response.status_code == 200
    return parse_xml(response.content)["Content"]


def said(account, message, **params):
    with translation.override(account.default_language):
        return gettext(message) % params


def test_a_bound_citizen_gets_a_summary_and_a_details_link_without_the_plate(police):
    content = send(police, BOUND, f"查违章 {ZHANG_PLATE.lower()}")

    assert content.startswith(plates.display(ZHANG_PLATE))
    link = re.search(r'<a href="([^"]+)">([^<]+)</a>$', content)
    assert link and link.group(2) == said(police, "View details")
    url = link.group(1)
    assert url.startswith(f"{BASE}/h5/police/records/violations/?t=")
    assert ZHANG_PLATE[2:] not in url and "%" not in url and "plate" not in url
    row = AuditLog.objects.get(action="records.query")
    assert row.detail["channel"] == "wechat" and row.detail["params"] == {
        "plate": plates.mask(ZHANG_PLATE)
    }


def test_the_details_link_shows_the_same_query_to_the_same_citizen_only(police):
    content = send(police, BOUND, f"查违章 {ZHANG_PLATE}")
    path = re.search(r'href="([^"]+)"', content).group(1).removeprefix(BASE)

    page = as_citizen(Client(HTTP_ACCEPT_LANGUAGE="en"), police, BOUND).get(path)
    assert page.status_code == 200
    assert plates.display(ZHANG_PLATE) in page.content.decode()
    assert AuditLog.objects.filter(action="records.query", detail__channel="h5").count() == 1

    make_binding(account=police, openid=OTHER, id_number="440305199003071236")
    other = as_citizen(Client(HTTP_ACCEPT_LANGUAGE="en"), police, OTHER).get(path)
    assert other.status_code == 200
    assert plates.display(ZHANG_PLATE) not in other.content.decode()
    assert b'data-testid="query-form"' in other.content
    assert AuditLog.objects.filter(action="records.query", detail__channel="h5").count() == 1


def _violation(day, *, handled, points=1, fine=5000):
    return {
        "behaviour": "机动车驾驶人未按规定使用安全带的",
        "is_handled": handled,
        "occurred_at": dt.datetime(2026, 4, day, 9, 0, tzinfo=dt.UTC),
        "place": f"平安市解放路{day}号路段",
        "fine": fine,
        "points": points,
    }


def test_unhandled_violations_come_before_handled_ones_then_newest_first():
    from weizheng.records.query_types import VIOLATIONS, registry_type

    query_type = registry_type(VIOLATIONS)
    result = query_type.build_result(
        summary=None,
        records=[
            _violation(20, handled=True),
            _violation(3, handled=False),
            _violation(25, handled=True),
            _violation(10, handled=False),
        ],
        source="test",
    )

    assert [(r["is_handled"], r["occurred_at"].day) for r in result.records] == [
        (False, 10),
        (False, 3),
        (True, 25),
        (True, 20),
    ]
    with translation.override("en"):
        lines = query_type.summarise(result, {"plate": "粤B·12345"})
    assert lines[2].startswith("1. ") and "（Not handled）" in lines[2] and "解放路10号" in lines[2]
    assert "（Not handled）" in lines[3] and "解放路3号" in lines[3]


def test_points_use_the_singular_for_one_point():
    from weizheng.records.query_types import VIOLATIONS, registry_type

    query_type = registry_type(VIOLATIONS)
    result = query_type.build_result(
        summary=None, records=[_violation(1, handled=False, points=1)], source="test"
    )
    with translation.override("en"):
        lines = query_type.summarise(result, {"plate": "粤B·12345"})
    assert "Not handled: fines ¥50.00, 1 point." in lines
    assert not any("1 points" in line for line in lines)


def test_the_licence_points_command_needs_no_parameter(police):
    content = send(police, BOUND, "查记分")

    assert "12" in content
    assert f'<a href="{BASE}/h5/police/records/licence-points/">' in content


def test_an_unbound_citizen_gets_the_binding_link_and_nothing_is_queried(police):
    content = send(police, UNBOUND, "查违章 粤B12345")

    assert content.startswith(
        said(police, "Record queries are made in your real name. Please bind your identity first.")
    )
    assert (
        f'<a href="{BASE}/h5/police/id/?next=%2Fh5%2Fpolice%2Frecords%2Fviolations%2F">' in content
    )
    assert "12345" not in content.split("\n", 1)[1]
    assert not AuditLog.objects.filter(action="records.query").exists()


def test_a_bad_plate_is_answered_with_the_reason(police):
    content = send(police, BOUND, "查违章 粤B1")

    assert "粤B·12345" in content
    assert not AuditLog.objects.filter(action="records.query").exists()


def test_the_command_without_a_plate_says_how_to_use_it_in_a_proper_sentence(police):
    content = send(police, BOUND, "查违章")

    assert content.startswith(
        said(
            police,
            "Please write the plate number after the command, for example: %(example)s",
            example="查违章 粤B·12345",
        )
    )
    assert "Plate number" not in content
    assert f'<a href="{BASE}/h5/police/records/violations/">' in content


def test_a_plate_not_registered_to_the_citizen_is_not_found(police):
    content = send(police, BOUND, "查违章 粤B12345")

    assert content.startswith(
        said(
            police,
            "Nothing was found. Check what you entered, and that it is registered in your name.",
        )
    )
    assert AuditLog.objects.get(action="records.query").detail["outcome"] == "not_found"


def test_our_command_for_a_query_that_is_off_says_what_the_account_offers(police):
    content = send(police, BOUND, "查社保")

    assert content != "默认回复"
    assert content.startswith(
        said(
            police,
            "This account does not offer %(type)s queries.",
            type=said(police, "Social insurance contributions"),
        )
    )
    assert "查违章" in content and "查记分" in content and "查公积金" not in content
    assert f'<a href="{BASE}/h5/police/records/">' in content
    assert not AuditLog.objects.filter(action="records.query").exists()


def test_an_account_without_any_query_points_elsewhere(police):
    from weizheng.records.models import QuerySetting

    QuerySetting.objects.all().delete()
    content = send(police, BOUND, "查公积金")

    assert content.startswith(
        said(
            police,
            "This account does not offer %(type)s queries.",
            type=said(police, "Housing provident fund"),
        )
    )
    assert "<a href" not in content
    assert not AuditLog.objects.filter(action="records.query").exists()


def test_other_messages_still_reach_the_accounts_other_replies(police):
    assert send(police, BOUND, "你好") == "默认回复"


def test_a_backend_timeout_is_a_clear_reply(police, monkeypatch):
    def slow(self, request):
        raise BackendTimeout("slow")

    monkeypatch.setattr(DemoConnector, "fetch", slow)
    content = send(police, BOUND, "查记分")

    assert content.startswith(
        said(police, "The records office cannot answer right now. Please try again in a minute.")
    )
    assert AuditLog.objects.get(action="records.query").detail["outcome"] == "timeout"
