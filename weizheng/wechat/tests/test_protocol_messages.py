"""Typed messages and events from realistic WeChat callback XML."""

from __future__ import annotations

import dataclasses

import pytest

from weizheng.wechat.protocol import (
    ClickEvent,
    Event,
    ImageMessage,
    LinkMessage,
    LocationEvent,
    LocationMessage,
    LocationSelectEvent,
    MassSendJobFinishEvent,
    Message,
    PicEvent,
    ScanCodeEvent,
    ScanEvent,
    ShortVideoMessage,
    SubscribeEvent,
    TemplateSendJobFinishEvent,
    TextMessage,
    UnknownEvent,
    UnknownMessage,
    UnsubscribeEvent,
    UserMessage,
    VideoMessage,
    ViewEvent,
    VoiceMessage,
    XMLError,
    parse_message,
    parse_xml,
)

ACCOUNT = "gh_2f1c9a7e3b45"
OPENID = "oVx3Rs4k2PZ_9sWq0cTbL1mE7uYd"


def _head(msg_type: str, create_time: int = 1718000000) -> str:
    return (
        f"<ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>\n"
        f"<FromUserName><![CDATA[{OPENID}]]></FromUserName>\n"
        f"<CreateTime>{create_time}</CreateTime>\n"
        f"<MsgType><![CDATA[{msg_type}]]></MsgType>\n"
    )


def _event(event: str, body: str = "", *, create_time: int = 1718000000) -> str:
    return f"<xml>{_head('event', create_time)}<Event><![CDATA[{event}]]></Event>\n{body}</xml>"


def parse(xml: str) -> Message:
    return parse_message(parse_xml(xml.encode()))


# --- messages ---

TEXT = (
    f"<xml>{_head('text')}<Content><![CDATA[请问居住证办理需要哪些材料？]]></Content>\n"
    "<MsgId>24612345678901234</MsgId>\n</xml>"
)


def test_parses_text_message() -> None:
    message = parse(TEXT)
    assert isinstance(message, TextMessage)
    assert isinstance(message, UserMessage)
    assert message.to_user == ACCOUNT
    assert message.from_user == OPENID
    assert message.create_time == 1718000000
    assert message.msg_type == "text"
    assert message.msg_id == "24612345678901234"
    assert message.content == "请问居住证办理需要哪些材料？"
    assert message.kind == "text"
    assert message.is_known
    assert message.dedupe_key() == "m:24612345678901234"
    assert message.log_fields() == {
        "msg_id": "24612345678901234",
        "content": "请问居住证办理需要哪些材料？",
    }
    assert message.raw["Content"] == "请问居住证办理需要哪些材料？"


def test_parses_image_message() -> None:
    message = parse(
        f"<xml>{_head('image')}"
        "<PicUrl><![CDATA[http://mmbiz.qpic.cn/mmbiz_jpg/abc/0]]></PicUrl>"
        "<MediaId><![CDATA[HWc4iQ9tXbC2sGZ-media]]></MediaId>"
        "<MsgId>24612345678901235</MsgId></xml>"
    )
    assert isinstance(message, ImageMessage)
    assert message.kind == "image"
    assert message.pic_url == "http://mmbiz.qpic.cn/mmbiz_jpg/abc/0"
    assert message.media_id == "HWc4iQ9tXbC2sGZ-media"
    assert message.log_fields()["pic_url"] == "http://mmbiz.qpic.cn/mmbiz_jpg/abc/0"


def test_parses_voice_message_with_recognition() -> None:
    message = parse(
        f"<xml>{_head('voice')}<MediaId><![CDATA[voice-media-1]]></MediaId>"
        "<Format><![CDATA[amr]]></Format>"
        "<MediaId16K><![CDATA[voice-media-16k]]></MediaId16K>"
        "<Recognition><![CDATA[我想查询公积金余额]]></Recognition>"
        "<MsgId>24612345678901236</MsgId></xml>"
    )
    assert isinstance(message, VoiceMessage)
    assert message.kind == "voice"
    assert (message.media_id, message.format) == ("voice-media-1", "amr")
    assert message.recognition == "我想查询公积金余额"
    assert message.log_fields()["recognition"] == "我想查询公积金余额"
    assert message.raw["MediaId16K"] == "voice-media-16k"


def test_voice_message_without_recognition_has_empty_recognition() -> None:
    message = parse(
        f"<xml>{_head('voice')}<MediaId><![CDATA[voice-media-2]]></MediaId>"
        "<Format><![CDATA[speex]]></Format><MsgId>24612345678901237</MsgId></xml>"
    )
    assert isinstance(message, VoiceMessage)
    assert message.recognition == ""


def test_parses_video_message() -> None:
    message = parse(
        f"<xml>{_head('video')}<MediaId><![CDATA[video-media]]></MediaId>"
        "<ThumbMediaId><![CDATA[video-thumb]]></ThumbMediaId>"
        "<MsgId>24612345678901238</MsgId></xml>"
    )
    assert isinstance(message, VideoMessage)
    assert message.kind == "video"
    assert (message.media_id, message.thumb_media_id) == ("video-media", "video-thumb")


def test_parses_shortvideo_message() -> None:
    message = parse(
        f"<xml>{_head('shortvideo')}<MediaId><![CDATA[short-media]]></MediaId>"
        "<ThumbMediaId><![CDATA[short-thumb]]></ThumbMediaId>"
        "<MsgId>24612345678901239</MsgId></xml>"
    )
    assert isinstance(message, ShortVideoMessage)
    assert message.kind == "shortvideo"
    assert (message.media_id, message.thumb_media_id) == ("short-media", "short-thumb")


def test_parses_location_message() -> None:
    message = parse(
        f"<xml>{_head('location')}<Location_X>23.134521</Location_X>"
        "<Location_Y>113.358803</Location_Y><Scale>20</Scale>"
        "<Label><![CDATA[广州市天河区天河路政务服务中心]]></Label>"
        "<MsgId>24612345678901240</MsgId></xml>"
    )
    assert isinstance(message, LocationMessage)
    assert message.kind == "location"
    assert message.latitude == pytest.approx(23.134521)
    assert message.longitude == pytest.approx(113.358803)
    assert message.scale == 20
    assert message.label == "广州市天河区天河路政务服务中心"
    assert message.log_fields()["latitude"] == pytest.approx(23.134521)


def test_parses_link_message() -> None:
    message = parse(
        f"<xml>{_head('link')}<Title><![CDATA[关于开展政务服务满意度调查的通知]]></Title>"
        "<Description><![CDATA[请市民积极参与]]></Description>"
        "<Url><![CDATA[https://mp.weixin.qq.com/s/abc123]]></Url>"
        "<MsgId>24612345678901241</MsgId></xml>"
    )
    assert isinstance(message, LinkMessage)
    assert message.kind == "link"
    assert message.title == "关于开展政务服务满意度调查的通知"
    assert message.description == "请市民积极参与"
    assert message.url == "https://mp.weixin.qq.com/s/abc123"


def test_unknown_message_type_is_kept_as_unknown() -> None:
    message = parse(
        f"<xml>{_head('miniprogrampage')}<Title><![CDATA[办事指南]]></Title>"
        "<MsgId>24612345678901242</MsgId></xml>"
    )
    assert isinstance(message, UnknownMessage)
    assert not message.is_known
    assert message.kind == "miniprogrampage"
    assert message.dedupe_key() == "m:24612345678901242"


def test_unknown_message_without_msgid_dedupes_by_sender_and_time() -> None:
    message = parse(f"<xml>{_head('file')}</xml>")
    assert isinstance(message, UnknownMessage)
    assert message.dedupe_key() == f"u:{OPENID}:1718000000:file"


# --- events ---


def test_parses_plain_subscribe_event() -> None:
    event = parse(_event("subscribe"))
    assert isinstance(event, SubscribeEvent)
    assert isinstance(event, Event)
    assert event.msg_type == "event"
    assert event.event == "subscribe"
    assert event.kind == "event:subscribe"
    assert event.event_key == ""
    assert event.scene is None
    assert event.ticket is None
    assert event.log_fields() == {}
    assert event.dedupe_key() == f"e:{OPENID}:1718000000:subscribe:"


def test_parses_subscribe_event_from_a_qr_code() -> None:
    event = parse(
        _event(
            "subscribe",
            "<EventKey><![CDATA[qrscene_123]]></EventKey>"
            "<Ticket><![CDATA[gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2tZ]]></Ticket>",
        )
    )
    assert isinstance(event, SubscribeEvent)
    assert event.scene == "123"
    assert event.event_key == "qrscene_123"
    assert event.ticket == "gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2tZ"
    assert event.log_fields()["scene"] == "123"


def test_parses_unsubscribe_event() -> None:
    event = parse(_event("unsubscribe", "<EventKey><![CDATA[]]></EventKey>"))
    assert isinstance(event, UnsubscribeEvent)
    assert event.kind == "event:unsubscribe"


def test_parses_scan_event_with_raw_scene() -> None:
    event = parse(
        _event(
            "SCAN",
            "<EventKey><![CDATA[hall_window_7]]></EventKey><Ticket><![CDATA[gQHt8DwAAAA]]></Ticket>",
        )
    )
    assert isinstance(event, ScanEvent)
    assert event.event == "scan"
    assert event.kind == "event:scan"
    assert event.scene == "hall_window_7"
    assert event.ticket == "gQHt8DwAAAA"


def test_parses_location_event() -> None:
    event = parse(
        _event(
            "LOCATION",
            "<Latitude>23.137466</Latitude><Longitude>113.352425</Longitude>"
            "<Precision>119.385040</Precision>",
        )
    )
    assert isinstance(event, LocationEvent)
    assert event.kind == "event:location"
    assert event.latitude == pytest.approx(23.137466)
    assert event.longitude == pytest.approx(113.352425)
    assert event.precision == pytest.approx(119.38504)


def test_parses_click_event() -> None:
    event = parse(_event("CLICK", "<EventKey><![CDATA[MENU_PROGRESS_QUERY]]></EventKey>"))
    assert isinstance(event, ClickEvent)
    assert event.kind == "event:click"
    assert event.key == "MENU_PROGRESS_QUERY"
    assert event.log_fields() == {"key": "MENU_PROGRESS_QUERY"}


def test_parses_view_event_with_menu_id() -> None:
    event = parse(
        _event(
            "VIEW",
            "<EventKey><![CDATA[https://zw.example.gov.cn/h5/guide]]></EventKey>"
            "<MenuId>418329361</MenuId>",
        )
    )
    assert isinstance(event, ViewEvent)
    assert event.kind == "event:view"
    assert event.url == "https://zw.example.gov.cn/h5/guide"
    assert event.menu_id == "418329361"


def test_view_event_without_menu_id() -> None:
    event = parse(_event("VIEW", "<EventKey><![CDATA[https://zw.example.gov.cn/]]></EventKey>"))
    assert isinstance(event, ViewEvent)
    assert event.menu_id is None
    assert event.log_fields() == {"url": "https://zw.example.gov.cn/"}


@pytest.mark.parametrize("name", ["scancode_push", "scancode_waitmsg"])
def test_parses_scancode_events(name: str) -> None:
    event = parse(
        _event(
            name,
            "<EventKey><![CDATA[scan_license]]></EventKey>"
            "<ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType>"
            "<ScanResult><![CDATA[https://zw.example.gov.cn/l/9321]]></ScanResult></ScanCodeInfo>",
        )
    )
    assert isinstance(event, ScanCodeEvent)
    assert event.kind == f"event:{name}"
    assert event.key == "scan_license"
    assert event.scan_type == "qrcode"
    assert event.scan_result == "https://zw.example.gov.cn/l/9321"


@pytest.mark.parametrize("name", ["pic_sysphoto", "pic_photo_or_album", "pic_weixin"])
def test_parses_pic_events(name: str) -> None:
    event = parse(
        _event(
            name,
            "<EventKey><![CDATA[upload_id_card]]></EventKey>"
            "<SendPicsInfo><Count>2</Count><PicList>"
            "<item><PicMd5Sum><![CDATA[1b5f7c23b5bf75682a53e7b6d163e185]]></PicMd5Sum></item>"
            "<item><PicMd5Sum><![CDATA[a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4]]></PicMd5Sum></item>"
            "</PicList></SendPicsInfo>",
        )
    )
    assert isinstance(event, PicEvent)
    assert event.kind == f"event:{name}"
    assert event.key == "upload_id_card"
    assert event.count == 2
    assert event.pic_md5_list == (
        "1b5f7c23b5bf75682a53e7b6d163e185",
        "a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4",
    )
    assert event.log_fields() == {"key": "upload_id_card", "count": 2}


def test_pic_event_with_one_picture() -> None:
    event = parse(
        _event(
            "pic_weixin",
            "<EventKey><![CDATA[upload]]></EventKey><SendPicsInfo><Count>1</Count><PicList>"
            "<item><PicMd5Sum><![CDATA[5a75aaca956d97be686719218f275c6b]]></PicMd5Sum></item>"
            "</PicList></SendPicsInfo>",
        )
    )
    assert isinstance(event, PicEvent)
    assert event.pic_md5_list == ("5a75aaca956d97be686719218f275c6b",)


def test_parses_location_select_event() -> None:
    event = parse(
        _event(
            "location_select",
            "<EventKey><![CDATA[nearest_hall]]></EventKey>"
            "<SendLocationInfo><Location_X><![CDATA[23]]></Location_X>"
            "<Location_Y><![CDATA[113]]></Location_Y><Scale><![CDATA[15]]></Scale>"
            "<Label><![CDATA[ 广州市海珠区客村艺苑路 106号]]></Label>"
            "<Poiname><![CDATA[]]></Poiname></SendLocationInfo>",
        )
    )
    assert isinstance(event, LocationSelectEvent)
    assert event.kind == "event:location_select"
    assert event.key == "nearest_hall"
    assert (event.latitude, event.longitude, event.scale) == (23.0, 113.0, 15)
    assert event.label == " 广州市海珠区客村艺苑路 106号"
    assert event.poiname == ""


MASS_SEND = _event(
    "MASSSENDJOBFINISH",
    "<MsgID>1000001625</MsgID><Status><![CDATA[send success]]></Status>"
    "<TotalCount>100</TotalCount><FilterCount>80</FilterCount>"
    "<SentCount>75</SentCount><ErrorCount>5</ErrorCount>",
)


def test_parses_mass_send_job_finish_event() -> None:
    event = parse(MASS_SEND)
    assert isinstance(event, MassSendJobFinishEvent)
    assert event.kind == "event:masssendjobfinish"
    assert event.msg_id == "1000001625"
    assert event.status == "send success"
    assert (event.total_count, event.filter_count, event.sent_count, event.error_count) == (
        100,
        80,
        75,
        5,
    )
    assert event.dedupe_key() == f"e:{OPENID}:1718000000:masssendjobfinish::1000001625"
    assert event.log_fields()["sent_count"] == 75


def test_mass_send_job_finish_accepts_msgid_spelling() -> None:
    event = parse(MASS_SEND.replace("MsgID", "MsgId"))
    assert isinstance(event, MassSendJobFinishEvent)
    assert event.msg_id == "1000001625"


@pytest.mark.parametrize("status", ["success", "failed:user block", "failed: system failed"])
def test_parses_template_send_job_finish_event(status: str) -> None:
    event = parse(
        _event(
            "TEMPLATESENDJOBFINISH",
            f"<MsgID>200163836</MsgID><Status><![CDATA[{status}]]></Status>",
        )
    )
    assert isinstance(event, TemplateSendJobFinishEvent)
    assert event.kind == "event:templatesendjobfinish"
    assert event.msg_id == "200163836"
    assert event.status == status
    assert event.dedupe_key().endswith(":templatesendjobfinish::200163836")


def test_unknown_event_is_kept_as_unknown() -> None:
    event = parse(
        _event(
            "subscribe_msg_popup_event",
            "<SubscribeMsgPopupEvent><List><TemplateId><![CDATA[t1]]></TemplateId>"
            "<SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString></List>"
            "</SubscribeMsgPopupEvent>",
        )
    )
    assert isinstance(event, UnknownEvent)
    assert not event.is_known
    assert event.kind == "event:subscribe_msg_popup_event"
    assert event.log_fields() == {"event": "subscribe_msg_popup_event"}
    assert event.raw["SubscribeMsgPopupEvent"]["List"]["TemplateId"] == "t1"


# --- de-duplication ---


def test_events_differing_only_in_event_key_have_distinct_dedupe_keys() -> None:
    first = parse(_event("CLICK", "<EventKey><![CDATA[MENU_A]]></EventKey>"))
    second = parse(_event("CLICK", "<EventKey><![CDATA[MENU_B]]></EventKey>"))
    assert first.dedupe_key() != second.dedupe_key()


def test_events_differing_only_in_create_time_have_distinct_dedupe_keys() -> None:
    body = "<EventKey><![CDATA[MENU_A]]></EventKey>"
    first = parse(_event("CLICK", body, create_time=1718000000))
    second = parse(_event("CLICK", body, create_time=1718000001))
    assert first.dedupe_key() != second.dedupe_key()


def test_a_retried_event_has_the_same_dedupe_key() -> None:
    body = "<EventKey><![CDATA[MENU_A]]></EventKey>"
    assert parse(_event("CLICK", body)).dedupe_key() == parse(_event("CLICK", body)).dedupe_key()


def test_long_dedupe_keys_are_bounded_and_stay_distinct() -> None:
    base = "https://zw.example.gov.cn/" + "x" * 400
    first = parse(_event("VIEW", f"<EventKey><![CDATA[{base}1]]></EventKey>"))
    second = parse(_event("VIEW", f"<EventKey><![CDATA[{base}2]]></EventKey>"))
    assert len(first.dedupe_key()) <= 255
    assert len(second.dedupe_key()) <= 255
    assert first.dedupe_key() != second.dedupe_key()
    assert first.dedupe_key().startswith(f"e:{OPENID}:1718000000:view:")


# --- validation ---


@pytest.mark.parametrize("name", ["ToUserName", "FromUserName", "CreateTime", "MsgType"])
def test_missing_required_field_is_rejected(name: str) -> None:
    fields = parse_xml(TEXT.encode())
    del fields[name]
    with pytest.raises(XMLError) as info:
        parse_message(fields)
    assert info.value.reason == "missing_field"
    assert info.value.status == 400


def test_event_without_event_field_is_rejected() -> None:
    with pytest.raises(XMLError) as info:
        parse(f"<xml>{_head('event')}</xml>")
    assert info.value.reason == "missing_field"


def test_text_message_without_msgid_is_rejected() -> None:
    with pytest.raises(XMLError) as info:
        parse(f"<xml>{_head('text')}<Content>你好</Content></xml>")
    assert info.value.reason == "missing_field"


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", " 1718000000", "1_718", "١٢٣"])
def test_non_integer_create_time_is_rejected(value: str) -> None:
    with pytest.raises(XMLError) as info:
        parse(TEXT.replace("<CreateTime>1718000000", f"<CreateTime>{value}"))
    assert info.value.reason == "bad_field"


def test_non_integer_msgid_is_rejected() -> None:
    with pytest.raises(XMLError) as info:
        parse(TEXT.replace("24612345678901234", "2461x"))
    assert info.value.reason == "bad_field"


@pytest.mark.parametrize("value", ["abc", "nan", "inf", ""])
def test_bad_location_numbers_are_rejected(value: str) -> None:
    xml = _event(
        "LOCATION",
        f"<Latitude>{value}</Latitude><Longitude>113.35</Longitude><Precision>65</Precision>",
    )
    with pytest.raises(XMLError) as info:
        parse(xml)
    assert info.value.reason in {"bad_field", "missing_field"}


def test_bad_mass_send_count_is_rejected() -> None:
    with pytest.raises(XMLError) as info:
        parse(MASS_SEND.replace("<SentCount>75", "<SentCount>many"))
    assert info.value.reason == "bad_field"


def test_nested_value_in_a_text_field_is_rejected() -> None:
    with pytest.raises(XMLError) as info:
        parse(TEXT.replace("<FromUserName>", "<FromUserName><a>1</a><b>2</b>"))
    assert info.value.reason == "bad_field"


def test_messages_are_frozen_and_hashable() -> None:
    message = parse(TEXT)
    with pytest.raises(dataclasses.FrozenInstanceError):
        message.content = "改"  # type: ignore[misc]
    assert hash(message) == hash(parse(TEXT))
    assert message == parse(TEXT)
