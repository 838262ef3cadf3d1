"""Automatic replies through the callback: greetings per scene, keywords, hours, default reply."""

from __future__ import annotations

from datetime import datetime, time

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from weizheng.core.errors import AppError
from weizheng.core.models import AuditLog
from weizheng.replies.actions import do_save_default_reply, do_save_greeting, do_save_keyword_rule
from weizheng.replies.models import KeywordRule
from weizheng.replies.selectors import matching_rule
from weizheng.wechat.protocol.xmlparse import parse_xml
from weizheng.wechat.testing import event_xml, post_to_callback, text_xml

pytestmark = pytest.mark.django_db(transaction=True)

CITIZEN = "oREPLY000000000000000000000001"


@pytest.fixture(autouse=True)
def _no_profile_sync(monkeypatch):
    monkeypatch.setattr(
        "weizheng.followers.actions._queue_profile_sync", lambda account_id, openid: None
    )


@pytest.fixture
def rules(plain_account):
    do_save_greeting(
        account=plain_account,
        scene="",
        data={"text": "欢迎关注平安市公安局！回复“帮助”查看服务。"},
        actor=None,
    )
    do_save_greeting(
        account=plain_account,
        scene="hall-1",
        data={"text": "欢迎来到市民服务中心一楼办事大厅。"},
        actor=None,
    )
    do_save_greeting(
        account=plain_account,
        scene="expo-hall",
        data={
            "reply_type": "news",
            "articles": [
                {
                    "title": "投洽会议程",
                    "description": "今日议程",
                    "url": "https://expo.example.gov.cn/agenda",
                    "pic_url": "",
                },
                {
                    "title": "展馆地图",
                    "description": "",
                    "url": "https://expo.example.gov.cn/map",
                    "pic_url": "",
                },
            ],
        },
        actor=None,
    )
    do_save_keyword_rule(
        account=plain_account,
        data={
            "name": "帮助",
            "pattern": "帮助",
            "match": "exact",
            "text": "可回复：查违章、查进度 <受理编号>。",
        },
        actor=None,
    )
    do_save_keyword_rule(
        account=plain_account,
        data={
            "name": "公积金",
            "pattern": "公积金",
            "match": "contains",
            "text": "公积金业务请拨打 12329。",
            "priority": 50,
        },
        actor=None,
    )
    do_save_keyword_rule(
        account=plain_account,
        data={
            "name": "进度",
            "pattern": r"^查进度\s*(\w+)$",
            "match": "regex",
            "text": "正在为您查询受理进度。",
        },
        actor=None,
    )
    do_save_keyword_rule(
        account=plain_account,
        data={
            "name": "非工作时间",
            "match": "any",
            "priority": 10,
            "active_from": time(18, 0),
            "active_until": time(8, 30),
            "text": "现在是非工作时间（工作时间 8:30–18:00），您的留言已记录，我们将尽快回复。",
        },
        actor=None,
    )
    do_save_default_reply(
        account=plain_account, data={"text": "您的消息已收到。紧急情况请拨打 110。"}, actor=None
    )


def ask(account, text):
    return parse_xml(post_to_callback(Client(), account, text_xml(account, CITIZEN, text)).content)


def at_beijing(hour, minute=0):
    return timezone.make_aware(datetime(2026, 11, 26, hour, minute))


def test_follow_with_and_without_a_scene(plain_account, rules):
    client = Client()
    first = post_to_callback(
        client,
        plain_account,
        event_xml(plain_account, CITIZEN, "subscribe", EventKey="qrscene_hall-1", Ticket="t"),
    )
    assert parse_xml(first.content)["Content"] == "欢迎来到市民服务中心一楼办事大厅。"
    other = post_to_callback(
        client,
        plain_account,
        event_xml(plain_account, "oOTHER0000000000000000000000001", "subscribe", EventKey=""),
    )
    assert parse_xml(other.content)["Content"].startswith("欢迎关注平安市公安局")


def test_an_unknown_scene_gets_the_default_greeting(plain_account, rules):
    response = post_to_callback(
        Client(),
        plain_account,
        event_xml(plain_account, CITIZEN, "subscribe", EventKey="qrscene_nowhere", Ticket="t"),
    )
    assert parse_xml(response.content)["Content"].startswith("欢迎关注平安市公安局")


def test_a_scene_greeting_can_be_articles_and_a_scan_gets_it_too(plain_account, rules):
    response = post_to_callback(
        Client(),
        plain_account,
        event_xml(plain_account, CITIZEN, "SCAN", EventKey="expo-hall", Ticket="t"),
    )
    reply = parse_xml(response.content)
    assert reply["MsgType"] == "news" and reply["ArticleCount"] == "2"


def test_keywords_by_mode_and_priority_within_office_hours(plain_account, rules):
    with time_machine.travel(at_beijing(10), tick=True):
        assert ask(plain_account, "帮助")["Content"].startswith("可回复")
        assert ask(plain_account, "住房公积金怎么提取")["Content"] == "公积金业务请拨打 12329。"
        assert ask(plain_account, "查进度 WZ2026001")["Content"] == "正在为您查询受理进度。"
        assert (
            ask(plain_account, "今天天气如何")["Content"] == "您的消息已收到。紧急情况请拨打 110。"
        )


def test_out_of_hours_reply_wraps_midnight(plain_account, rules):
    for hour in (19, 23, 2, 8):
        assert matching_rule(plain_account.pk, "帮助", at=at_beijing(hour)).name == "非工作时间"
    assert matching_rule(plain_account.pk, "帮助", at=at_beijing(8, 30)).name == "帮助"
    assert matching_rule(plain_account.pk, "随便说说", at=at_beijing(12)) is None


def test_a_regex_that_does_not_compile_is_refused_and_nothing_saved(plain_account):
    with pytest.raises(AppError) as caught:
        do_save_keyword_rule(
            account=plain_account,
            data={"pattern": "查(进度", "match": "regex", "text": "x"},
            actor=None,
        )
    assert caught.value.code == "bad_regex"
    assert KeywordRule.objects.count() == 0
    assert not AuditLog.objects.filter(action="replies.rule.save").exists()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"pattern": "", "match": "exact", "text": "x"}, "empty_pattern"),
        ({"pattern": "a", "text": "   "}, "empty_text"),
        ({"pattern": "a", "text": "长" * 700}, "text_too_long"),
        ({"pattern": "a", "reply_type": "image"}, "missing_media"),
        (
            {"pattern": "a", "reply_type": "news", "articles": [{"title": "1"}, {"title": "2"}]},
            "article_count",
        ),
        ({"pattern": "a", "text": "x", "active_from": time(18, 0)}, "half_hours"),
    ],
)
def test_bad_rules_are_refused_with_the_reason(plain_account, data, code):
    with pytest.raises(AppError) as caught:
        do_save_keyword_rule(account=plain_account, data=data, actor=None)
    assert caught.value.code == code
    assert KeywordRule.objects.count() == 0


def test_an_edit_applies_at_once(plain_account, rules):
    rule = KeywordRule.objects.get(name="帮助")
    do_save_keyword_rule(
        account=plain_account, rule=rule, data={"text": "新的帮助信息"}, actor=None
    )
    with time_machine.travel(at_beijing(10), tick=True):
        assert ask(plain_account, "帮助")["Content"] == "新的帮助信息"


@pytest.mark.django_db
def test_a_regex_that_backtracks_without_end_is_refused(plain_account):
    from weizheng.core.errors import AppError
    from weizheng.replies.actions import do_save_keyword_rule

    with pytest.raises(AppError) as refused:
        do_save_keyword_rule(
            account=plain_account,
            data={"match": "regex", "pattern": r"^(a|aa)+$", "text": "x"},
            actor=None,
        )
    assert refused.value.code == "slow_regex"


def test_a_slow_pattern_at_run_time_is_cut_off_as_no_match():
    import time

    from weizheng.wechat.router import keyword_predicate

    matches = keyword_predicate(r"(a|aa)+$", "regex")
    started = time.monotonic()
    assert matches("a" * 60 + "!") is False
    assert time.monotonic() - started < 1.0
    assert matches("aaa") is True


@pytest.mark.django_db(transaction=True)
def test_a_voice_message_is_answered_by_its_recognition_text(plain_account):
    from django.test import Client

    from weizheng.replies.actions import do_save_keyword_rule
    from weizheng.replies.selectors import forget
    from weizheng.wechat.protocol.xmlparse import parse_xml
    from weizheng.wechat.testing import message_xml, next_msg_id, post_to_callback

    do_save_keyword_rule(
        account=plain_account,
        data={"match": "exact", "pattern": "帮助", "text": "您可以回复：查违章、查进度。"},
        actor=None,
    )
    forget(plain_account.pk)
    xml = message_xml(
        plain_account,
        "oVOICE0001",
        "voice",
        {"MediaId": "m1", "Format": "amr", "Recognition": "帮助。", "MsgId": next_msg_id()},
    )
    answer = post_to_callback(Client(), plain_account, xml)
    assert parse_xml(answer.content)["Content"] == "您可以回复：查违章、查进度。"
