"""Users acting: the callbacks the mock posts (signed, encrypted), the replies it reads back, and
what the user is shown."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import time_machine
import xmltodict
from django.utils import timezone
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import check_signature

from weizheng.wechat_mock import actions
from weizheng.wechat_mock.callbacks import USER_NOTICE_FAILED
from weizheng.wechat_mock.models import Channel, MockDelivered

from .conftest import AES_KEY, APPID, TOKEN, make_app


def _xml(text: str) -> dict:
    return xmltodict.parse(text)["xml"]


def _text_reply(request, content="您好，已收到", *, to=None, frm=None):
    fields = _xml(request.body)
    return (
        "<xml>"
        f"<ToUserName><![CDATA[{to or fields['FromUserName']}]]></ToUserName>"
        f"<FromUserName><![CDATA[{frm or fields['ToUserName']}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime>"
        "<MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content>"
        "</xml>"
    )


def test_plain_callback_is_signed_and_verifies_with_wechatpy(app, alice, callback_server):
    result = actions.user_sends_text(app, alice.openid, "你好")
    assert result.ok and result.http_status == 200 and result.reply is None
    request = callback_server.received[0]
    check_signature(
        TOKEN, request.query["signature"], request.query["timestamp"], request.query["nonce"]
    )
    assert request.query["openid"] == alice.openid
    assert "encrypt_type" not in request.query
    assert request.headers["Content-Type"] == "text/xml"
    message = _xml(request.body)
    assert message["ToUserName"] == app.original_id
    assert message["FromUserName"] == alice.openid
    assert (message["MsgType"], message["Content"]) == ("text", "你好")
    assert len(message["MsgId"]) == 19


def test_safe_mode_callback_decrypts_with_wechatpy(db, callback_server):
    app = make_app(callback_server.url, mode="safe")
    user = actions.create_user(app)
    actions.user_clicks(app, user.openid, "V1001_TODAY")
    request = callback_server.received[0]
    query = request.query
    assert query["encrypt_type"] == "aes"
    check_signature(TOKEN, query["signature"], query["timestamp"], query["nonce"])
    envelope = _xml(request.body)
    assert set(envelope) == {"ToUserName", "Encrypt"}
    plain = WeChatCrypto(TOKEN, AES_KEY, APPID).decrypt_message(
        request.body, query["msg_signature"], query["timestamp"], query["nonce"]
    )
    event = _xml(plain)
    assert (event["Event"], event["EventKey"]) == ("CLICK", "V1001_TODAY")


def test_compatible_mode_sends_plain_fields_and_encrypt(db, callback_server):
    app = make_app(callback_server.url, mode="compatible")
    user = actions.create_user(app)
    actions.user_sends_text(app, user.openid, "办社保")
    request = callback_server.received[0]
    body = _xml(request.body)
    assert body["Content"] == "办社保" and "Encrypt" in body
    plain = WeChatCrypto(TOKEN, AES_KEY, APPID).decrypt_message(
        request.body,
        request.query["msg_signature"],
        request.query["timestamp"],
        request.query["nonce"],
    )
    assert _xml(plain)["Content"] == "办社保"


def test_cdata_terminator_in_content_survives(app, alice, callback_server):
    actions.user_sends_text(app, alice.openid, "a]]>b<c>")
    assert _xml(callback_server.received[0].body)["Content"] == "a]]>b<c>"


def test_a_text_reply_is_shown_to_the_user_and_recorded(app, alice, callback_server):
    callback_server.reply = lambda r: (200, _text_reply(r).encode())
    result = actions.user_sends_text(app, alice.openid, "你好")
    assert result.ok and result.user_notice == ""
    assert result.reply["Content"] == "您好，已收到"
    delivered = MockDelivered.objects.get(pk=result.delivered_id)
    assert (delivered.channel, delivered.msgtype) == (Channel.PASSIVE, "text")


def test_an_encrypted_reply_in_safe_mode_is_verified_and_decrypted(db, callback_server):
    app = make_app(callback_server.url, mode="safe")
    user = actions.create_user(app)
    crypto = WeChatCrypto(TOKEN, AES_KEY, APPID)

    def reply(request):
        fields = {"FromUserName": user.openid, "ToUserName": app.original_id}
        plain = _text_reply(
            request, "加密回复", to=fields["FromUserName"], frm=fields["ToUserName"]
        )
        return 200, crypto.encrypt_message(plain, "12345", str(int(time.time()))).encode()

    callback_server.reply = reply
    result = actions.user_sends_text(app, user.openid, "你好")
    assert result.ok and result.is_reply_encrypted
    assert result.reply["Content"] == "加密回复"


def test_a_plain_reply_in_safe_mode_fails_for_the_user(db, callback_server):
    app = make_app(callback_server.url, mode="safe")
    user = actions.create_user(app)
    callback_server.reply = lambda r: (200, b"<xml><MsgType>text</MsgType></xml>")
    result = actions.user_sends_text(app, user.openid, "你好")
    assert not result.ok
    assert result.user_notice == USER_NOTICE_FAILED
    assert not MockDelivered.objects.exists()


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (500, b"oops", "HTTP 500"),
        (200, b'{"reply": "json"}', "not XML"),
        (200, b"<xml><MsgType><![CDATA[text]]></MsgType></xml>", "ToUserName"),
    ],
)
def test_bad_answers_show_the_service_unavailable_notice(
    app, alice, callback_server, status, body, error
):
    callback_server.reply = lambda r: (status, body)
    result = actions.user_sends_text(app, alice.openid, "你好")
    assert not result.ok
    assert error in result.error
    assert result.user_notice == "该公众号暂时无法提供服务，请稍后再试"
    assert result.body == body.decode()


def test_news_reply_to_a_message_carries_one_article(app, alice, callback_server):
    def reply(request):
        fields = _xml(request.body)
        item = "<item><Title><![CDATA[t]]></Title><Url><![CDATA[https://e.cn]]></Url></item>"
        return 200, (
            f"<xml><ToUserName><![CDATA[{fields['FromUserName']}]]></ToUserName>"
            f"<FromUserName><![CDATA[{fields['ToUserName']}]]></FromUserName>"
            "<CreateTime>1</CreateTime><MsgType><![CDATA[news]]></MsgType>"
            f"<ArticleCount>2</ArticleCount><Articles>{item}{item}</Articles></xml>"
        ).encode()

    callback_server.reply = reply
    assert not actions.user_sends_text(app, alice.openid, "新闻").ok
    assert actions.user_clicks(app, alice.openid, "NEWS").ok  # events may get up to 8


def test_a_slow_server_is_retried_three_times_then_fails(app, alice, callback_server, settings):
    settings.WECHAT_MOCK_CALLBACK_TIMEOUT = 0.2

    def slow(request):
        time.sleep(0.4)
        return 200, b"success"

    callback_server.reply = slow
    result = actions.user_sends_text(app, alice.openid, "你好")
    assert not result.ok and result.error == "timeout"
    assert [a.error for a in result.attempts] == ["timeout"] * 3
    assert result.elapsed_ms >= 600
    bodies = {r.body for r in callback_server.wait_for(3)}
    queries = {r.query["nonce"] for r in callback_server.received}
    assert len(bodies) == 1 and len(queries) == 1  # a retry is the same request


def test_messages_open_the_48_hour_window_but_location_reports_do_not(
    app, bob, wechat, access_token
):
    actions.user_reports_location(app, bob.openid, latitude=23.1, longitude=113.3)
    bob.refresh_from_db()
    assert bob.last_interaction_at is None
    actions.user_sends_text(app, bob.openid, "在吗")
    send = {"touser": bob.openid, "msgtype": "text", "text": {"content": "在的"}}
    assert wechat.call("cgi-bin/message/custom/send", token=access_token, body=send)["errcode"] == 0


def test_subscribe_through_a_qr_code_sends_qrscene_and_ticket(
    app, carol, callback_server, wechat, access_token
):
    qr = wechat.call(
        "cgi-bin/qrcode/create",
        token=access_token,
        body={"action_name": "QR_LIMIT_SCENE", "action_info": {"scene": {"scene_id": 42}}},
    )
    result = actions.user_scans(app, carol.openid, qr["ticket"])
    assert result.ok
    event = _xml(callback_server.received[0].body)
    assert (event["Event"], event["EventKey"], event["Ticket"]) == (
        "subscribe",
        "qrscene_42",
        qr["ticket"],
    )
    info = wechat.call("cgi-bin/user/info", token=access_token, openid=carol.openid)
    assert (info["subscribe"], info["subscribe_scene"], info["qr_scene"]) == (
        1,
        "ADD_SCENE_QR_CODE",
        42,
    )

    actions.user_scans(app, carol.openid, qr["ticket"])
    again = _xml(callback_server.received[1].body)
    assert (again["Event"], again["EventKey"]) == ("SCAN", "42")


def test_subscribe_with_a_scene_finds_or_makes_a_code(app, carol, callback_server):
    actions.user_subscribes(app, carol.openid, scene="hall-3")
    event = _xml(callback_server.received[0].body)
    assert event["EventKey"] == "qrscene_hall-3" and event["Ticket"]


def test_plain_subscribe_and_unsubscribe(app, carol, callback_server, wechat, access_token):
    actions.user_subscribes(app, carol.openid)
    actions.user_unsubscribes(app, carol.openid)
    events = [_xml(r.body) for r in callback_server.received]
    assert [e["Event"] for e in events] == ["subscribe", "unsubscribe"]
    assert "EventKey" not in events[0]
    info = wechat.call("cgi-bin/user/info", token=access_token, openid=carol.openid)
    assert info["subscribe"] == 0


def test_other_user_messages_have_wechats_fields(app, alice, callback_server):
    actions.user_sends_image(app, alice.openid)
    actions.user_sends_voice(app, alice.openid, recognition="我要办社保卡")
    actions.user_sends_location(
        app, alice.openid, latitude=23.134521, longitude=113.358803, label="天河区"
    )
    actions.user_reports_location(app, alice.openid, latitude=23.1, longitude=113.3, precision=30)
    actions.user_views(app, alice.openid, "https://example.gov.cn/")
    image, voice, location, report, view = (_xml(r.body) for r in callback_server.received)
    assert image["MsgType"] == "image" and image["PicUrl"] and image["MediaId"]
    assert (voice["Format"], voice["Recognition"]) == ("amr", "我要办社保卡")
    assert (location["Location_X"], location["Label"], location["Scale"]) == (
        "23.134521",
        "天河区",
        "15",
    )
    assert (report["Event"], report["Precision"]) == ("LOCATION", "30")
    assert (view["Event"], view["EventKey"]) == ("VIEW", "https://example.gov.cn/")


def test_a_user_who_does_not_follow_cannot_send_messages(app, carol):
    from weizheng.core.errors import AppError

    with pytest.raises(AppError) as refused:
        actions.user_sends_text(app, carol.openid, "你好")
    assert refused.value.code == "not_subscribed"


def test_a_reply_naming_unknown_media_fails(app, alice, callback_server):
    def reply(request):
        fields = _xml(request.body)
        return 200, (
            f"<xml><ToUserName><![CDATA[{fields['FromUserName']}]]></ToUserName>"
            f"<FromUserName><![CDATA[{fields['ToUserName']}]]></FromUserName>"
            "<CreateTime>1</CreateTime><MsgType><![CDATA[image]]></MsgType>"
            "<Image><MediaId><![CDATA[nope]]></MediaId></Image></xml>"
        ).encode()

    callback_server.reply = reply
    result = actions.user_sends_text(app, alice.openid, "图")
    assert not result.ok and "MediaId" in result.error


def test_window_closes_48_hours_after_the_last_message(app, alice, wechat):
    actions.user_sends_text(app, alice.openid, "你好")
    with time_machine.travel(timezone.now() + dt.timedelta(hours=48, seconds=1)):
        token = wechat.access_token()
        send = {"touser": alice.openid, "msgtype": "text", "text": {"content": "x"}}
        assert (
            wechat.call("cgi-bin/message/custom/send", token=token, body=send)["errcode"] == 45015
        )
