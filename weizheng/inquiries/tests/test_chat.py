"""我要问政 in the chat, through the mock WeChat platform over real HTTP: the guided conversation
(category → description → photos / voice → location → named or anonymous → consent), its
state in the database, 取消, refusals with the reason and the step kept, 问政进度."""

from __future__ import annotations

import re

import pytest

from weizheng.inquiries.models import Conversation, Inquiry, InquirySettings

pytestmark = pytest.mark.django_db(transaction=True)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _quiet(monkeypatch, settings):
    monkeypatch.setattr(
        "weizheng.followers.actions._queue_profile_sync", lambda account_id, openid: None
    )
    settings.PUBLIC_BASE_URL = "https://wx.pingan.gov.cn"


@pytest.fixture
def asking(mock_account, citizen):
    """The (mock-wired) account takes 问政: two categories, a jurisdiction around 平安市."""
    from weizheng.inquiries.models import Category
    from weizheng.staff.models import Department

    office = Department.objects.create(name="平安市政府办公室")
    traffic = Department.objects.create(name="平安市公安局交警支队")
    Category.objects.create(
        account=mock_account, code="traffic", name="交通出行", department=traffic
    )
    Category.objects.create(
        account=mock_account, code="other", name="其他", department=office, is_other=True
    )
    InquirySettings.objects.create(
        account=mock_account,
        min_latitude=30.3,
        max_latitude=30.9,
        min_longitude=114.0,
        max_longitude=114.6,
    )
    return {"account": mock_account, "openid": citizen.openid, "traffic": traffic}


def say(asking, text) -> str:
    from weizheng.wechat_mock import actions as mock

    result = mock.user_sends_text(asking["account"].app_id, asking["openid"], text)
    assert result.ok, result.error
    return result.reply["Content"]


def test_the_whole_conversation_submits_a_request_with_the_photo_and_the_place(asking):
    from weizheng.wechat_mock import actions as mock

    app = asking["account"].app_id
    reply = say(asking, "我要问政")
    assert "1. 交通出行" in reply and "2. 其他" in reply
    assert Conversation.objects.get(openid=asking["openid"]).step == "category"
    # the police account's replies are in Chinese
    assert "请描述问题" in say(asking, "1")
    assert "现在可以发送照片或语音" in say(asking, "解放路口红绿灯时间太短，老人过马路来不及")
    photo = mock.user_sends_image(app, asking["openid"], image=PNG)
    assert "已收到 1 个" in photo.reply["Content"]
    assert "请发送位置" in say(asking, "好了")
    where = mock.user_sends_location(
        app, asking["openid"], latitude=30.58, longitude=114.30, label="解放路口"
    )
    assert "回复 1 实名" in where.reply["Content"]
    # consent says what is published where: the open data interface (Open311) and the board
    consent = say(asking, "2")
    assert "Open311" in consent and "100" in consent
    receipt = say(asking, "1")
    inquiry = Inquiry.objects.get()
    assert inquiry.public_id in receipt and "平安市公安局交警支队" in receipt
    assert f'href="https://wx.pingan.gov.cn/h5/police/wenzheng/r/{inquiry.public_id}/"' in receipt
    assert inquiry.channel == "wechat"
    assert inquiry.department == asking["traffic"]
    assert (inquiry.latitude, inquiry.longitude, inquiry.address) == (30.58, 114.30, "解放路口")
    assert inquiry.is_anonymous and inquiry.consent_publish
    media = inquiry.media.get()
    assert (media.kind, media.content_type, media.size) == ("image", "image/png", len(PNG))
    assert not Conversation.objects.exists()
    # the receipt is the reply, once: no second customer-service message with the same words
    from weizheng.notifications.models import Notification

    assert not Notification.objects.filter(kind="inquiries.received").exists()
    assert re.search(r"将于 \d{4}-\d{2}-\d{2} 23:59 前答复", receipt)


def test_cancel_ends_the_conversation_and_sends_nothing(asking):
    say(asking, "我要问政")
    say(asking, "1")
    assert "未提交任何内容" in say(asking, "取消")
    assert not Conversation.objects.exists() and not Inquiry.objects.exists()


def test_a_place_outside_the_jurisdiction_is_refused_and_the_step_kept(asking):
    from weizheng.wechat_mock import actions as mock

    for text in ("我要问政", "1", "路口红绿灯太短", "跳过"):
        say(asking, text)
    beijing = mock.user_sends_location(
        asking["account"].app_id, asking["openid"], latitude=39.9, longitude=116.4, label="北京"
    )
    assert "不在本级政府的管辖范围内" in beijing.reply["Content"]
    assert Conversation.objects.get().step == "location"


def test_an_unknown_category_and_an_over_long_text_are_refused_with_the_reason(asking):
    say(asking, "我要问政")
    assert "没有这个类别" in say(asking, "9")
    say(asking, "1")
    assert "最多 4000 字" in say(asking, "路" * 4001)
    assert Conversation.objects.get().step == "description"


def test_a_voice_message_can_be_the_description(asking):
    from weizheng.wechat_mock import actions as mock

    say(asking, "我要问政")
    say(asking, "2")
    voice = mock.user_sends_voice(
        asking["account"].app_id, asking["openid"], recognition="小区门口垃圾没人清运"
    )
    assert "现在可以发送照片或语音" in voice.reply["Content"]
    assert Conversation.objects.get().data["description"] == "小区门口垃圾没人清运"


def test_named_without_a_binding_asks_to_bind_first(asking):
    for text in ("我要问政", "1", "路口红绿灯太短", "跳过", "跳过"):
        say(asking, text)
    assert "您尚未在本公众号实名绑定" in say(asking, "1")
    assert Conversation.objects.get().step == "named"


def test_progress_tells_the_state_of_the_citizens_requests(asking):
    for text in ("我要问政", "1", "路口红绿灯太短", "跳过", "跳过", "2", "2"):
        say(asking, text)
    inquiry = Inquiry.objects.get()
    reply = say(asking, f"问政进度 {inquiry.public_id}")
    assert inquiry.public_id in reply and "· 已受理" in reply


def test_without_a_conversation_other_handlers_answer(asking):
    assert "交通出行" not in say(asking, "1")


def test_a_reply_after_the_48_hour_window_goes_as_a_template_message(asking):
    from datetime import timedelta

    import time_machine
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from weizheng.inquiries.actions import check_reply, check_sign
    from weizheng.notifications.actions import check_save_template
    from weizheng.notifications.models import Notification
    from weizheng.staff.models import Membership, Role

    check_save_template(
        account=asking["account"],
        kind="inquiries.reply",
        template_id="TPL_WENZHENG_REPLY",
        fields={"first": "您的诉求已答复", "keyword1": "{public_id}", "keyword2": "{reply}"},
        actor=None,
    )
    for text in ("我要问政", "1", "路口红绿灯太短", "跳过", "跳过", "2", "2"):
        say(asking, text)
    inquiry = Inquiry.objects.get()
    clerk = get_user_model().objects.create_user("pete", password="pw-pete-123456")
    Membership.objects.create(user=clerk, department=asking["traffic"], role=Role.HANDLER)
    with time_machine.travel(timezone.now() + timedelta(hours=49)):
        check_sign(inquiry=inquiry, actor=clerk)
        check_reply(inquiry=inquiry, actor=clerk, reply="已将行人绿灯延长至35秒。")
    reply = Notification.objects.get(kind="inquiries.reply")
    assert (reply.status, reply.channel) == ("sent", "template")


@pytest.mark.parametrize("typed", ["3", "12", "888", "好", "。。。"])
def test_a_stray_short_or_numeric_address_is_refused_with_what_to_send(asking, typed):
    for text in ("我要问政", "1", "路口红绿灯太短", "跳过"):
        say(asking, text)
    reply = say(asking, typed)
    # the reason names what was typed and says what to send (new strings: checked by structure
    # until the catalogue is merged)
    assert f"“{typed}”" in reply and "解放路88号" in reply and "跳过" in reply
    conversation = Conversation.objects.get()
    assert conversation.step == "location" and "address" not in conversation.data
    assert "回复 1 实名" in say(asking, "解放路88号")
    assert Conversation.objects.get().data["address"] == "解放路88号"


def test_wozaiwenzheng_mid_conversation_asks_before_starting_over(asking):
    for text in ("我要问政", "1", "路口红绿灯太短"):
        say(asking, text)
    ask = say(asking, "我要问政")
    assert "我要问政" in ask and "取消" in ask and "1. 交通出行" not in ask
    kept = Conversation.objects.get()
    assert kept.step == "media" and kept.data["description"] == "路口红绿灯太短"
    # a second 我要问政 starts over
    assert "1. 交通出行" in say(asking, "我要问政")
    fresh = Conversation.objects.get()
    assert (fresh.step, fresh.data) == ("category", {})


def test_going_on_after_the_question_keeps_the_answers_and_asks_again_next_time(asking):
    for text in ("我要问政", "1", "路口红绿灯太短"):
        say(asking, text)
    say(asking, "我要问政")
    assert "请发送位置" in say(asking, "好了")
    conversation = Conversation.objects.get()
    assert conversation.step == "location" and "restart_asked" not in conversation.data
    assert "1. 交通出行" not in say(asking, "我要问政")
    assert Conversation.objects.get().step == "location"
