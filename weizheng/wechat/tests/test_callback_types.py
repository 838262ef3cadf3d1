"""Every message and event type of WECHAT.md rule 9 through the HTTP endpoint, plain and safe."""

from __future__ import annotations

import pytest
from django.test import Client

from weizheng.wechat.models import InboundMessage
from weizheng.wechat.protocol.replies import TextReply
from weizheng.wechat.testing import decrypt_reply, message_xml, next_msg_id, post_to_callback

pytestmark = pytest.mark.django_db(transaction=True)

OPENID = "oTYPES00000000000000000000000001"

# (MsgType, fields, expected kind, a log field that must be kept)
CASES = [
    (
        "text",
        {"Content": "你好，请问户籍怎么迁移？"},
        "text",
        ("content", "你好，请问户籍怎么迁移？"),
    ),
    (
        "image",
        {"PicUrl": "http://mmbiz.qpic.cn/x.jpg", "MediaId": "media-img-1"},
        "image",
        ("media_id", "media-img-1"),
    ),
    (
        "voice",
        {"MediaId": "media-voice-1", "Format": "amr", "Recognition": "我要问政"},
        "voice",
        ("recognition", "我要问政"),
    ),
    (
        "video",
        {"MediaId": "media-video-1", "ThumbMediaId": "thumb-1"},
        "video",
        ("media_id", "media-video-1"),
    ),
    (
        "shortvideo",
        {"MediaId": "media-sv-1", "ThumbMediaId": "thumb-2"},
        "shortvideo",
        ("media_id", "media-sv-1"),
    ),
    (
        "location",
        {"Location_X": 39.915, "Location_Y": 116.404, "Scale": 15, "Label": "天安门广场"},
        "location",
        ("label", "天安门广场"),
    ),
    (
        "link",
        {"Title": "政策解读", "Description": "公积金提取新规", "Url": "https://example.gov.cn/p/1"},
        "link",
        ("url", "https://example.gov.cn/p/1"),
    ),
]
EVENTS = [
    ({"Event": "subscribe", "EventKey": ""}, "event:subscribe", None),
    (
        {"Event": "subscribe", "EventKey": "qrscene_hall-1", "Ticket": "gQH47joAAAAAAAAAASxodHRw"},
        "event:subscribe",
        ("scene", "hall-1"),
    ),
    ({"Event": "unsubscribe", "EventKey": ""}, "event:unsubscribe", None),
    (
        {"Event": "SCAN", "EventKey": "hall-1", "Ticket": "gQH47joAAAAAAAAAASxodHRw"},
        "event:scan",
        ("scene", "hall-1"),
    ),
    (
        {
            "Event": "LOCATION",
            "Latitude": 23.137466,
            "Longitude": 113.352425,
            "Precision": 119.385040,
        },
        "event:location",
        None,
    ),
    ({"Event": "CLICK", "EventKey": "POLICE_GUIDE"}, "event:click", None),
    (
        {"Event": "VIEW", "EventKey": "https://weizheng.example.gov.cn/h5/", "MenuId": "208"},
        "event:view",
        None,
    ),
    (
        {
            "Event": "scancode_push",
            "EventKey": "SCAN_1",
            "ScanCodeInfo": "<ScanType><![CDATA[qrcode]]></ScanType><ScanResult><![CDATA[1]]></ScanResult>",
        },
        "event:scancode_push",
        None,
    ),
    (
        {
            "Event": "scancode_waitmsg",
            "EventKey": "SCAN_2",
            "ScanCodeInfo": "<ScanType><![CDATA[qrcode]]></ScanType><ScanResult><![CDATA[2]]></ScanResult>",
        },
        "event:scancode_waitmsg",
        None,
    ),
    (
        {
            "Event": "pic_sysphoto",
            "EventKey": "PIC_1",
            "SendPicsInfo": "<Count>1</Count><PicList><item><PicMd5Sum><![CDATA[1b5f7c23b5bf75682a53e7b6d163e185]]></PicMd5Sum></item></PicList>",
        },
        "event:pic_sysphoto",
        None,
    ),
    (
        {
            "Event": "pic_photo_or_album",
            "EventKey": "PIC_2",
            "SendPicsInfo": "<Count>1</Count><PicList><item><PicMd5Sum><![CDATA[5a75aaca956d97be686719218f275c6b]]></PicMd5Sum></item></PicList>",
        },
        "event:pic_photo_or_album",
        None,
    ),
    (
        {
            "Event": "pic_weixin",
            "EventKey": "PIC_3",
            "SendPicsInfo": "<Count>1</Count><PicList><item><PicMd5Sum><![CDATA[5a75aaca956d97be686719218f275c6b]]></PicMd5Sum></item></PicList>",
        },
        "event:pic_weixin",
        None,
    ),
    (
        {
            "Event": "location_select",
            "EventKey": "LOC_1",
            "SendLocationInfo": "<Location_X><![CDATA[23]]></Location_X><Location_Y><![CDATA[113]]></Location_Y><Scale><![CDATA[15]]></Scale><Label><![CDATA[ 广州市海珠区客村艺苑路 106号]]></Label><Poiname><![CDATA[]]></Poiname>",
        },
        "event:location_select",
        None,
    ),
    (
        {
            "Event": "MASSSENDJOBFINISH",
            "MsgID": 1000001625,
            "Status": "send success",
            "TotalCount": 100,
            "FilterCount": 80,
            "SentCount": 75,
            "ErrorCount": 5,
        },
        "event:masssendjobfinish",
        ("sent_count", 75),
    ),
    (
        {"Event": "TEMPLATESENDJOBFINISH", "MsgID": 200163836, "Status": "failed:user block"},
        "event:templatesendjobfinish",
        ("status", "failed:user block"),
    ),
]


def _xml(account, msg_type, fields):
    # Nested event payloads are given as raw inner XML.
    from weizheng.wechat.testing import cdata

    parts = []
    for name, value in fields.items():
        if isinstance(value, str) and value.startswith("<"):
            parts.append(f"<{name}>{value}</{name}>")
        elif isinstance(value, int | float):
            parts.append(f"<{name}>{value}</{name}>")
        else:
            parts.append(f"<{name}>{cdata(value)}</{name}>")
    head = message_xml(account, OPENID, msg_type, {})
    return head.replace("</xml>", "".join(parts) + "</xml>")


@pytest.fixture
def answering_router(clean_router):
    @clean_router.on()
    def every(ctx):
        return TextReply(content=f"kind={ctx.message.kind}")

    return clean_router


def _check(account, response, kind, log_field):
    from weizheng.wechat.protocol.xmlparse import parse_xml

    assert response.status_code == 200, response.content
    body = response.content
    if account.message_mode != "plain":
        body = decrypt_reply(account, body).encode()
    assert parse_xml(body)["Content"] == f"kind={kind}"
    row = InboundMessage.objects.get()
    assert row.kind == kind
    assert row.openid == OPENID
    if log_field:
        assert row.fields[log_field[0]] == log_field[1]


@pytest.mark.parametrize("mode", ["plain", "safe"])
@pytest.mark.parametrize(
    ("msg_type", "fields", "kind", "log_field"), CASES, ids=[c[0] for c in CASES]
)
def test_message_type_through_the_callback(
    request, answering_router, mode, msg_type, fields, kind, log_field
):
    account = request.getfixturevalue(f"{mode}_account")
    xml = _xml(account, msg_type, {**fields, "MsgId": int(next_msg_id())})
    _check(account, post_to_callback(Client(), account, xml), kind, log_field)


@pytest.mark.parametrize("mode", ["plain", "safe"])
@pytest.mark.parametrize(
    ("fields", "kind", "log_field"), EVENTS, ids=[f"{e[1]}-{i}" for i, e in enumerate(EVENTS)]
)
def test_event_type_through_the_callback(request, answering_router, mode, fields, kind, log_field):
    account = request.getfixturevalue(f"{mode}_account")
    _check(
        account,
        post_to_callback(Client(), account, _xml(account, "event", fields)),
        kind,
        log_field,
    )
