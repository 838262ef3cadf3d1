"""Customer-service, template and mass messages: deliveries, refusals and job callbacks."""

from __future__ import annotations

import datetime as dt

import time_machine
import xmltodict
from django.utils import timezone

from weizheng.wechat_mock import actions, callbacks
from weizheng.wechat_mock.models import Channel, MockDelivered
from weizheng.wechat_mock.qr import png_for

from .conftest import make_app


def _text(openid, content="您的办件已受理"):
    return {"touser": openid, "msgtype": "text", "text": {"content": content}}


def _event(received):
    return xmltodict.parse(received.body)["xml"]


# --- Customer-service messages ----------------------------------------------------------------
def test_custom_text_inside_the_window_is_delivered(app, wechat, access_token, alice):
    answer = wechat.call(
        "cgi-bin/message/custom/send", token=access_token, body=_text(alice.openid)
    )
    assert answer == {"errcode": 0, "errmsg": "ok"}
    delivered = MockDelivered.objects.get(openid=alice.openid)
    assert (delivered.channel, delivered.msgtype) == (Channel.CUSTOM, "text")
    assert delivered.payload["text"] == {"content": "您的办件已受理"}


def test_custom_message_48_hours_after_the_last_interaction_is_45015(app, wechat, alice):
    with time_machine.travel(timezone.now() + dt.timedelta(hours=48, minutes=1)):
        token = wechat.access_token()
        answer = wechat.call("cgi-bin/message/custom/send", token=token, body=_text(alice.openid))
    assert answer["errcode"] == 45015
    assert not MockDelivered.objects.exists()


def test_custom_message_to_a_user_who_never_interacted_is_45015(app, wechat, access_token, bob):
    answer = wechat.call("cgi-bin/message/custom/send", token=access_token, body=_text(bob.openid))
    assert answer["errcode"] == 45015


def test_custom_message_refusals(app, wechat, access_token, alice, carol):
    send = "cgi-bin/message/custom/send"
    assert wechat.call(send, token=access_token, body=_text("o-unknown"))["errcode"] == 40003
    assert wechat.call(send, token=access_token, body=_text(carol.openid))["errcode"] == 43004
    assert wechat.call(send, token=access_token, body=_text(alice.openid, ""))["errcode"] == 44004
    image = {"touser": alice.openid, "msgtype": "image", "image": {"media_id": "nope"}}
    assert wechat.call(send, token=access_token, body=image)["errcode"] == 40007
    odd = {"touser": alice.openid, "msgtype": "hologram", "hologram": {}}
    assert wechat.call(send, token=access_token, body=odd)["errcode"] == 40008
    news = {
        "touser": alice.openid,
        "msgtype": "news",
        "news": {"articles": [{"title": "a", "url": "https://e.cn"}] * 2},
    }
    assert wechat.call(send, token=access_token, body=news)["errcode"] == 45008
    assert not MockDelivered.objects.exists()


def test_custom_msgmenu_is_delivered(app, wechat, access_token, alice):
    body = {
        "touser": alice.openid,
        "msgtype": "msgmenu",
        "msgmenu": {
            "head_content": "您对本次服务是否满意？",
            "list": [{"id": "101", "content": "满意"}, {"id": "102", "content": "不满意"}],
            "tail_content": "欢迎再次光临",
        },
    }
    assert wechat.call("cgi-bin/message/custom/send", token=access_token, body=body)["errcode"] == 0
    assert MockDelivered.objects.get().msgtype == "msgmenu"


# --- Template messages ------------------------------------------------------------------------
TEMPLATE = {
    "template_id": "ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY",
    "url": "https://example.gov.cn/case/1",
    "data": {"thing1": {"value": "社保卡补办"}, "time2": {"value": "2025-03-01 09:00"}},
}


def test_template_send_answers_msgid_delivers_and_posts_templatesendjobfinish(
    app, wechat, access_token, bob, callback_server
):
    answer = wechat.call(
        "cgi-bin/message/template/send", token=access_token, body={**TEMPLATE, "touser": bob.openid}
    )
    assert answer["errcode"] == 0 and answer["errmsg"] == "ok"
    assert isinstance(answer["msgid"], int)
    delivered = MockDelivered.objects.get(openid=bob.openid)
    assert delivered.channel == Channel.TEMPLATE and delivered.msg_id == str(answer["msgid"])

    assert callbacks.flush_callbacks()
    event = _event(callback_server.wait_for(1)[0])
    assert event["Event"] == "TEMPLATESENDJOBFINISH"
    assert event["MsgID"] == str(answer["msgid"])
    assert event["Status"] == "success"
    assert event["FromUserName"] == bob.openid
    assert event["ToUserName"] == app.original_id


def test_template_to_a_user_who_blocked_it_reports_user_block(
    app, wechat, access_token, settings, callback_server
):
    settings.WECHAT_MOCK_SYNC_CALLBACKS = True
    dave = actions.create_user(app, nickname="Dave", blocks_templates=True)
    answer = wechat.call(
        "cgi-bin/message/template/send",
        token=access_token,
        body={**TEMPLATE, "touser": dave.openid},
    )
    assert answer["errcode"] == 0
    assert _event(callback_server.received[0])["Status"] == "failed:user block"
    assert not MockDelivered.objects.exists()


def test_template_refusals(app, wechat, access_token, bob, carol):
    send = "cgi-bin/message/template/send"
    assert (
        wechat.call(send, token=access_token, body={**TEMPLATE, "touser": carol.openid})["errcode"]
        == 43004
    )
    assert (
        wechat.call(send, token=access_token, body={**TEMPLATE, "touser": "o-x"})["errcode"]
        == 40003
    )
    no_id = {**TEMPLATE, "touser": bob.openid, "template_id": ""}
    assert wechat.call(send, token=access_token, body=no_id)["errcode"] == 40037


def test_template_with_a_known_template_list_refuses_other_ids(db, wechat):
    app = make_app(templates=[{"template_id": "T1", "title": "办件进度提醒"}])
    user = actions.create_user(app)
    token = wechat.access_token()
    body = {**TEMPLATE, "touser": user.openid}
    assert wechat.call("cgi-bin/message/template/send", token=token, body=body)["errcode"] == 40037
    assert (
        wechat.call("cgi-bin/template/get_all_private_template", token=token)["template_list"][0][
            "template_id"
        ]
        == "T1"
    )


def test_template_client_msg_id_sends_once(app, wechat, access_token, bob):
    body = {**TEMPLATE, "touser": bob.openid, "client_msg_id": "case-1-accepted"}
    first = wechat.call("cgi-bin/message/template/send", token=access_token, body=body)
    second = wechat.call("cgi-bin/message/template/send", token=access_token, body=body)
    assert first["msgid"] == second["msgid"]
    assert MockDelivered.objects.count() == 1


# --- Mass messages ----------------------------------------------------------------------------
def _mass_text(**extra):
    return {"msgtype": "text", "text": {"content": "停水通知"}, **extra}


def test_mass_sendall_twice_with_one_clientmsgid_is_45065_and_delivers_once(
    app, wechat, access_token, alice, bob, carol
):
    body = _mass_text(filter={"is_to_all": True}, clientmsgid="notice-2025-03-01")
    first = wechat.call("cgi-bin/message/mass/sendall", token=access_token, body=body)
    assert first["errcode"] == 0
    assert first["errmsg"] == "send job submission success"
    assert "msg_data_id" not in first  # only for mpnews

    second = wechat.call("cgi-bin/message/mass/sendall", token=access_token, body=body)
    assert second["errcode"] == 45065
    assert second["msg_id"] == first["msg_id"]

    deliveries = MockDelivered.objects.filter(channel=Channel.MASS)
    assert sorted(d.openid for d in deliveries) == sorted([alice.openid, bob.openid])


def test_mass_send_to_three_openids_delivers_three_and_posts_masssendjobfinish(
    app, wechat, access_token, alice, bob, callback_server
):
    dave = actions.create_user(app, nickname="Dave")
    openids = [alice.openid, bob.openid, dave.openid]
    cover = actions.do_add_material(
        app, media_type="image", filename="c.png", content=png_for("cover")
    )
    article = {"title": "停水通知", "thumb_media_id": cover.media_id, "content": "<p>停水</p>"}
    news = actions.do_upload_news(app, body={"articles": [article]})
    answer = wechat.call(
        "cgi-bin/message/mass/send",
        token=access_token,
        body={"touser": openids, "msgtype": "mpnews", "mpnews": {"media_id": news.media_id}},
    )
    assert answer["errcode"] == 0
    assert isinstance(answer["msg_data_id"], int)
    assert sorted(MockDelivered.objects.values_list("openid", flat=True)) == sorted(openids)

    assert callbacks.flush_callbacks()
    received = callback_server.wait_for(1)
    event = _event(received[0])
    assert event["Event"] == "MASSSENDJOBFINISH"
    assert event["FromUserName"] == "mphelper"
    assert event["MsgID"] == str(answer["msg_id"])
    assert (event["TotalCount"], event["FilterCount"], event["SentCount"], event["ErrorCount"]) == (
        "3",
        "3",
        "3",
        "0",
    )
    assert received[0].query["signature"]


def test_mass_send_needs_at_least_two_openids(app, wechat, access_token, alice):
    answer = wechat.call(
        "cgi-bin/message/mass/send", token=access_token, body=_mass_text(touser=[alice.openid])
    )
    assert answer["errcode"] == 40130


def test_mass_send_to_a_tag_and_unknown_tag(app, wechat, access_token, alice, bob):
    actions.do_tag_users(app, openids=[bob.openid], tag_id=2)
    answer = wechat.call(
        "cgi-bin/message/mass/sendall",
        token=access_token,
        body=_mass_text(filter={"is_to_all": False, "tag_id": 2}),
    )
    assert answer["errcode"] == 0
    assert list(MockDelivered.objects.values_list("openid", flat=True)) == [bob.openid]
    unknown = wechat.call(
        "cgi-bin/message/mass/sendall",
        token=access_token,
        body=_mass_text(filter={"is_to_all": False, "tag_id": 999}),
    )
    assert unknown["errcode"] == 40050


def test_a_follower_gets_at_most_four_mass_messages_a_month(
    app, wechat, access_token, alice, bob, settings, callback_server
):
    settings.WECHAT_MOCK_SYNC_CALLBACKS = True
    for _ in range(4):
        wechat.call(
            "cgi-bin/message/mass/send",
            token=access_token,
            body=_mass_text(touser=[alice.openid, bob.openid]),
        )
    # Alice and Bob have had their four this month: a send to everyone reaches only Dave.
    dave = actions.create_user(app, nickname="Dave")
    wechat.call(
        "cgi-bin/message/mass/sendall",
        token=access_token,
        body=_mass_text(filter={"is_to_all": True}),
    )
    assert MockDelivered.objects.filter(openid=bob.openid).count() == 4
    assert MockDelivered.objects.filter(openid=dave.openid).count() == 1
    last = _event(callback_server.received[-1])
    assert (last["TotalCount"], last["FilterCount"], last["SentCount"]) == ("3", "1", "1")


def test_mass_preview_by_openid_or_wechat_id(app, wechat, access_token, alice, carol):
    by_name = wechat.call(
        "cgi-bin/message/mass/preview", token=access_token, body=_mass_text(towxname="alice_wx")
    )
    assert by_name["errcode"] == 0 and by_name["errmsg"] == "preview success"
    assert MockDelivered.objects.get().channel == Channel.PREVIEW
    unknown = wechat.call(
        "cgi-bin/message/mass/preview", token=access_token, body=_mass_text(towxname="nobody")
    )
    assert unknown["errcode"] == 40132
    unfollowed = wechat.call(
        "cgi-bin/message/mass/preview", token=access_token, body=_mass_text(touser=carol.openid)
    )
    assert unfollowed["errcode"] == 43004


def test_mass_get_and_delete(app, wechat, access_token, alice, bob):
    sent = wechat.call(
        "cgi-bin/message/mass/sendall",
        token=access_token,
        body=_mass_text(filter={"is_to_all": True}),
    )
    status = wechat.call(
        "cgi-bin/message/mass/get", token=access_token, body={"msg_id": sent["msg_id"]}
    )
    assert status == {"msg_id": sent["msg_id"], "msg_status": "SEND_SUCCESS"}
    deleted = wechat.call(
        "cgi-bin/message/mass/delete", token=access_token, body={"msg_id": sent["msg_id"]}
    )
    assert deleted["errcode"] == 0
    status = wechat.call(
        "cgi-bin/message/mass/get", token=access_token, body={"msg_id": sent["msg_id"]}
    )
    assert status["msg_status"] == "DELETE"
    unknown = wechat.call("cgi-bin/message/mass/get", token=access_token, body={"msg_id": 1})
    assert unknown["errcode"] == 40035


def test_mass_send_quota_is_45009(db, wechat):
    app = make_app(quota_limits={"mass_send": 2})
    actions.create_user(app)
    token = wechat.access_token()
    body = _mass_text(filter={"is_to_all": True})
    assert wechat.call("cgi-bin/message/mass/sendall", token=token, body=body)["errcode"] == 0
    assert wechat.call("cgi-bin/message/mass/sendall", token=token, body=body)["errcode"] == 0
    assert wechat.call("cgi-bin/message/mass/sendall", token=token, body=body)["errcode"] == 45009
