"""The back-office pages of automatic replies: keyword rules, greetings, the default reply, the
"test this rule" box, and per-department scoping. Personas: alice administers the police
department, bob edits for it, carol administers the water department."""

from __future__ import annotations

from datetime import time

import pytest
from django.test import Client

from weizheng.core.models import AuditLog
from weizheng.menus.tests.test_staff_menus import signed_in, staff_world
from weizheng.replies.actions import (
    do_save_default_reply,
    do_save_greeting,
    do_save_keyword_rule,
)
from weizheng.replies.models import DefaultReply, KeywordRule, SubscribeGreeting
from weizheng.replies.selectors import forget

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(plain_account, django_user_model):
    forget(plain_account.pk)
    return staff_world(plain_account, django_user_model)


def url(account, path=""):
    return f"/office/accounts/{account.pk}/replies/{path}"


def rule_data(**overrides):
    data = {
        "name": "帮助",
        "match": "exact",
        "pattern": "帮助",
        "priority": "100",
        "active_from": "",
        "active_until": "",
        "is_active": "on",
        "reply_type": "text",
        "text": "可回复：查违章、查进度 <受理编号>。",
    }
    data.update(overrides)
    return data


def replies_audit_count():
    return AuditLog.objects.filter(action__startswith="replies.").count()


@pytest.fixture
def rules(world):
    police = world["police"]
    do_save_keyword_rule(
        account=police,
        data={"name": "帮助", "pattern": "帮助", "match": "exact", "text": "可回复：查违章。"},
        actor=None,
    )
    do_save_keyword_rule(
        account=police,
        data={
            "name": "非工作时间",
            "match": "any",
            "priority": 10,
            "active_from": time(18, 0),
            "active_until": time(8, 30),
            "text": "现在是非工作时间，您的留言已记录。",
        },
        actor=None,
    )
    do_save_default_reply(account=police, data={"text": "您的消息已收到。"}, actor=None)
    do_save_greeting(account=police, scene="", data={"text": "欢迎关注平安市公安局！"}, actor=None)
    do_save_greeting(
        account=police, scene="hall-1", data={"text": "欢迎来到办事大厅。"}, actor=None
    )
    forget(police.pk)
    return police


# --- keyword rules -----------------------------------------------------------------------------
def test_an_editor_creates_edits_switches_off_and_deletes_a_keyword_rule(world):
    police, bob = world["police"], signed_in(world["bob"])
    assert bob.get(url(police, "rules/new/")).status_code == 200

    created = bob.post(url(police, "rules/new/"), rule_data())
    assert created.status_code == 302 and created["Location"] == url(police)
    rule = KeywordRule.objects.get()
    assert (rule.account, rule.name, rule.match, rule.pattern) == (police, "帮助", "exact", "帮助")
    assert rule.text == "可回复：查违章、查进度 <受理编号>。" and rule.is_active
    assert AuditLog.objects.get(action="replies.rule.save").actor == world["bob"]

    page = bob.get(url(police, f"rules/{rule.pk}/"))
    assert page.status_code == 200 and page.context["form"].initial["pattern"] == "帮助"
    bob.post(
        url(police, f"rules/{rule.pk}/"),
        rule_data(
            name="进度",
            match="regex",
            pattern=r"^查进度\s*(\w+)$",
            priority="50",
            active_from="08:30",
            active_until="18:00",
            text="正在查询。",
        ),
    )
    rule.refresh_from_db()
    assert (rule.name, rule.match, rule.pattern, rule.priority) == (
        "进度",
        "regex",
        r"^查进度\s*(\w+)$",
        50,
    )
    assert (rule.active_from, rule.active_until) == (time(8, 30), time(18, 0))

    bob.post(url(police, f"rules/{rule.pk}/toggle/"))
    rule.refresh_from_db()
    assert not rule.is_active
    bob.post(url(police, f"rules/{rule.pk}/toggle/"))
    assert KeywordRule.objects.get(pk=rule.pk).is_active

    listing = bob.get(url(police)).content.decode()
    assert "进度" in listing and "08:30–18:00" in listing

    bob.post(url(police, f"rules/{rule.pk}/delete/"))
    assert not KeywordRule.objects.exists()
    deleted = AuditLog.objects.get(action="replies.rule.delete")
    assert deleted.actor == world["bob"] and deleted.detail["pattern"] == r"^查进度\s*(\w+)$"


def test_a_regex_that_does_not_compile_is_refused_with_the_reason(world):
    police = world["police"]
    response = signed_in(world["bob"]).post(
        url(police, "rules/new/"), rule_data(match="regex", pattern="查(进度")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["pattern"] == [
        "The regular expression does not compile: missing ) at position 4."
    ]
    assert not KeywordRule.objects.exists()
    assert replies_audit_count() == 0


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"pattern": ""}, "pattern", "A keyword rule needs a keyword or pattern."),
        ({"text": "  "}, "text", "A text reply needs some text."),
        (
            {"text": "长" * 700},
            "text",
            "A text reply is limited to 2048 bytes (about 680 Chinese characters).",
        ),
        (
            {"active_from": "18:00"},
            "active_until",
            "Active hours need both a start and an end time.",
        ),
        (
            {"reply_type": "image", "media_id": ""},
            "media_id",
            "An image, voice or video reply needs a media id from the media library.",
        ),
        (
            {"reply_type": "news", "a1-title": "", "a1-url": "https://x.gov.cn/"},
            "a1-title",
            "Article 1 needs a title.",
        ),
        (
            {"reply_type": "news", "a1-title": "指南", "a1-url": "javascript:alert(1)"},
            "a1-url",
            "Article 1: links must start with http:// or https://.",
        ),
    ],
)
def test_a_bad_rule_is_refused_by_the_field(world, overrides, field, message):
    response = signed_in(world["bob"]).post(
        url(world["police"], "rules/new/"), rule_data(**overrides)
    )
    assert response.context["form"].errors[field] == [message]
    assert not KeywordRule.objects.exists()


def test_an_any_text_rule_needs_no_keyword(world):
    signed_in(world["bob"]).post(
        url(world["police"], "rules/new/"),
        rule_data(
            name="非工作时间", match="any", pattern="", active_from="18:00", active_until="08:30"
        ),
    )
    rule = KeywordRule.objects.get()
    assert (rule.match, rule.active_from, rule.active_until) == ("any", time(18), time(8, 30))


def test_switching_the_reply_type_leaves_no_old_content(world):
    bob = signed_in(world["bob"])
    bob.post(url(world["police"], "rules/new/"), rule_data())
    rule = KeywordRule.objects.get()
    bob.post(
        url(world["police"], f"rules/{rule.pk}/"),
        rule_data(reply_type="news", **{"a1-title": "办事指南", "a1-url": "https://x.gov.cn/g"}),
    )
    rule.refresh_from_db()
    assert rule.reply_type == "news" and rule.text == ""
    assert rule.articles == [
        {"title": "办事指南", "description": "", "url": "https://x.gov.cn/g", "pic_url": ""}
    ]


# --- greetings and the default reply ----------------------------------------------------------
def test_greetings_per_scene_with_up_to_eight_articles(world):
    police, bob = world["police"], signed_in(world["bob"])
    bob.post(
        url(police, "greetings/new/"),
        {"scene": "", "is_active": "on", "reply_type": "text", "text": "欢迎关注！"},
    )
    articles = {}
    for n in range(1, 9):
        articles[f"a{n}-title"] = f"第{n}篇"
        articles[f"a{n}-url"] = f"https://expo.example.gov.cn/{n}"
    response = bob.post(
        url(police, "greetings/new/"),
        {"scene": "expo-hall", "is_active": "on", "reply_type": "news", **articles},
    )
    assert response.status_code == 302
    expo = SubscribeGreeting.objects.get(scene="expo-hall")
    assert [a["title"] for a in expo.articles] == [f"第{n}篇" for n in range(1, 9)]

    again = bob.post(
        url(police, "greetings/new/"), {"scene": "expo-hall", "reply_type": "text", "text": "x"}
    )
    assert again.context["form"].errors["scene"] == [
        "This scene has a greeting already: edit that one."
    ]

    # Editing keeps the scene, whatever is sent for it.
    bob.post(
        url(police, f"greetings/{expo.pk}/"),
        {"scene": "other", "is_active": "on", "reply_type": "text", "text": "欢迎参观投洽会。"},
    )
    expo.refresh_from_db()
    assert (expo.scene, expo.reply_type, expo.text, expo.articles) == (
        "expo-hall",
        "text",
        "欢迎参观投洽会。",
        [],
    )
    bob.post(url(police, f"greetings/{expo.pk}/delete/"))
    assert list(SubscribeGreeting.objects.values_list("scene", flat=True)) == [""]
    assert AuditLog.objects.get(action="replies.greeting.delete").detail["scene"] == "expo-hall"


def test_the_default_reply_is_set(world):
    police, bob = world["police"], signed_in(world["bob"])
    assert bob.get(url(police, "default/")).status_code == 200
    bob.post(
        url(police, "default/"),
        {"is_active": "on", "reply_type": "text", "text": "您的消息已收到。"},
    )
    reply = DefaultReply.objects.get(account=police)
    assert reply.text == "您的消息已收到。" and reply.is_active
    assert bob.get(url(police, "default/")).context["form"].initial["text"] == "您的消息已收到。"


# --- the test box ------------------------------------------------------------------------------
def test_the_test_box_says_which_rule_answers_at_the_time_given(rules, world):
    bob = signed_in(world["bob"])
    in_hours = bob.get(url(rules), {"text": "帮助", "at": "10:00"})
    assert in_hours.context["result"].rule.name == "帮助"
    body = in_hours.content.decode()
    assert "the keyword rule <strong>“帮助”</strong> answers" in body
    assert "可回复：查违章。" in body

    at_night = bob.get(url(rules), {"text": "帮助", "at": "22:15"})
    assert at_night.context["result"].rule.name == "非工作时间"
    assert "现在是非工作时间" in at_night.content.decode()

    nothing = bob.get(url(rules), {"text": "今天天气如何", "at": "10:00"})
    assert nothing.context["result"].rule is None
    assert nothing.context["result"].is_default_reply
    assert "您的消息已收到。" in nothing.content.decode()


def test_the_test_box_shows_the_greeting_of_a_scene(rules, world):
    bob = signed_in(world["bob"])
    hall = bob.get(url(rules), {"scene": "hall-1"})
    assert hall.context["follow"]["is_scene_greeting"]
    assert "欢迎来到办事大厅。" in hall.content.decode()
    unknown = bob.get(url(rules), {"scene": "nowhere"})
    assert not unknown.context["follow"]["is_scene_greeting"]
    assert "欢迎关注平安市公安局！" in unknown.content.decode()


def test_an_edit_shows_in_the_test_box_at_once(rules, world, django_capture_on_commit_callbacks):
    bob = signed_in(world["bob"])
    assert (
        "可回复：查违章。" in bob.get(url(rules), {"text": "帮助", "at": "10:00"}).content.decode()
    )
    rule = KeywordRule.objects.get(name="帮助")
    with django_capture_on_commit_callbacks(execute=True):
        bob.post(url(rules, f"rules/{rule.pk}/"), rule_data(text="新的帮助信息"))
    assert "新的帮助信息" in bob.get(url(rules), {"text": "帮助", "at": "10:00"}).content.decode()


# --- permissions -------------------------------------------------------------------------------
def test_a_clerk_of_another_department_gets_404_and_changes_nothing(rules, world):
    police, carol = world["police"], signed_in(world["carol"])
    rule = KeywordRule.objects.get(name="帮助")
    greeting = SubscribeGreeting.objects.get(scene="hall-1")
    before = (
        list(KeywordRule.objects.values()),
        list(SubscribeGreeting.objects.values()),
        list(DefaultReply.objects.values()),
    )
    audit_rows = AuditLog.objects.count()

    for path in (
        "",
        "rules/new/",
        f"rules/{rule.pk}/",
        "greetings/new/",
        f"greetings/{greeting.pk}/",
        "default/",
    ):
        assert carol.get(url(police, path)).status_code == 404, path
    assert carol.get(url(police), {"text": "帮助"}).status_code == 404
    attempts = {
        "rules/new/": rule_data(name="篡改"),
        f"rules/{rule.pk}/": rule_data(text="篡改"),
        f"rules/{rule.pk}/toggle/": {},
        f"rules/{rule.pk}/delete/": {},
        "greetings/new/": {"scene": "x", "reply_type": "text", "text": "篡改"},
        f"greetings/{greeting.pk}/": {"reply_type": "text", "text": "篡改"},
        f"greetings/{greeting.pk}/delete/": {},
        "default/": {"reply_type": "text", "text": "篡改", "is_active": "on"},
    }
    for path, data in attempts.items():
        assert carol.post(url(police, path), data).status_code == 404, path

    # Not through her own account either.
    water = world["water"]
    assert carol.post(url(water, f"rules/{rule.pk}/"), rule_data(text="篡改")).status_code == 404
    assert carol.post(url(water, f"greetings/{greeting.pk}/delete/")).status_code == 404

    after = (
        list(KeywordRule.objects.values()),
        list(SubscribeGreeting.objects.values()),
        list(DefaultReply.objects.values()),
    )
    assert after == before
    assert AuditLog.objects.count() == audit_rows


def test_staff_without_replies_edit_see_the_list_but_cannot_change_it(
    rules, world, django_user_model
):
    from weizheng.staff.models import Membership, Role

    dana = django_user_model.objects.create_user("dana", password="pw-dana-123456", is_staff=True)
    department = world["police"].departments.get()
    Membership.objects.create(user=dana, department=department, role=Role.ANALYST)
    client = signed_in(dana)
    page = client.get(url(world["police"]))
    assert page.status_code == 200 and 'data-testid="new-rule"' not in page.content.decode()
    rule = KeywordRule.objects.get(name="帮助")
    assert client.post(url(world["police"], f"rules/{rule.pk}/delete/")).status_code == 403
    assert KeywordRule.objects.filter(pk=rule.pk).exists()


def test_signed_out_visitors_are_sent_to_the_login(world):
    response = Client().get(url(world["police"]))
    assert response.status_code == 302 and "/office/login/" in response["Location"]
