"""Passive-reply rendering (parsed back with parse_xml) and customer-service message bodies."""

from __future__ import annotations

import pytest

from weizheng.wechat.protocol import (
    Article,
    EmptyReply,
    ImageReply,
    MusicReply,
    NewsReply,
    Reply,
    TextReply,
    TransferCustomerServiceReply,
    VideoReply,
    VoiceReply,
    parse_xml,
    render_reply,
    to_custom_message,
)

OPENID = "oVx3Rs4k2PZ_9sWq0cTbL1mE7uYd"
ACCOUNT = "gh_2f1c9a7e3b45"

GUIDE = Article(
    title="居住证办理指南",
    description="所需材料、办理地点和时限",
    pic_url="https://zw.example.gov.cn/img/guide.jpg",
    url="https://zw.example.gov.cn/h5/guide/residence",
)


def render(reply: Reply) -> dict:
    xml = render_reply(reply, to_user=OPENID, from_user=ACCOUNT, create_time=1718000005)
    fields = parse_xml(xml.encode())
    assert fields["ToUserName"] == OPENID
    assert fields["FromUserName"] == ACCOUNT
    assert fields["CreateTime"] == "1718000005"
    return fields


def test_renders_text_reply() -> None:
    fields = render(TextReply("您好，居住证可在线申请。"))
    assert fields["MsgType"] == "text"
    assert fields["Content"] == "您好，居住证可在线申请。"


def test_text_reply_escapes_cdata_terminator() -> None:
    fields = render(TextReply("a]]><x>b"))
    assert fields["Content"] == "a]]><x>b"


def test_text_reply_survives_several_cdata_terminators_and_markup() -> None:
    content = "]]>]]]>]]>>&lt;</Content></xml><![CDATA["
    assert render(TextReply(content))["Content"] == content


def test_render_strips_characters_illegal_in_xml() -> None:
    fields = render(TextReply("办\x00理\x08进\x1b度\ufffe\ud800\t\n\r完成"))
    assert fields["Content"] == "办理进度\t\n\n完成"  # expat normalises \r to \n


def test_user_ids_are_escaped_too() -> None:
    xml = render_reply(
        TextReply("hi"), to_user="o]]><evil/>", from_user=ACCOUNT, create_time=1718000005
    )
    assert parse_xml(xml.encode())["ToUserName"] == "o]]><evil/>"


def test_renders_image_reply() -> None:
    fields = render(ImageReply("img-media-1"))
    assert fields["MsgType"] == "image"
    assert fields["Image"] == {"MediaId": "img-media-1"}


def test_renders_voice_reply() -> None:
    fields = render(VoiceReply("voice-media-1"))
    assert fields["MsgType"] == "voice"
    assert fields["Voice"] == {"MediaId": "voice-media-1"}


def test_renders_video_reply() -> None:
    fields = render(VideoReply("video-media-1", title="办事视频", description="三分钟了解"))
    assert fields["MsgType"] == "video"
    assert fields["Video"] == {
        "MediaId": "video-media-1",
        "Title": "办事视频",
        "Description": "三分钟了解",
    }


def test_renders_music_reply() -> None:
    fields = render(
        MusicReply(
            title="政策解读",
            description="音频版",
            music_url="https://zw.example.gov.cn/a.mp3",
            hq_music_url="https://zw.example.gov.cn/a_hq.mp3",
            thumb_media_id="thumb-1",
        )
    )
    assert fields["MsgType"] == "music"
    assert fields["Music"] == {
        "Title": "政策解读",
        "Description": "音频版",
        "MusicUrl": "https://zw.example.gov.cn/a.mp3",
        "HQMusicUrl": "https://zw.example.gov.cn/a_hq.mp3",
        "ThumbMediaId": "thumb-1",
    }


def test_renders_news_reply() -> None:
    second = Article(
        "预约取号", "线上预约", "https://zw.example.gov.cn/p.jpg", "https://zw.example.gov.cn/q"
    )
    fields = render(NewsReply((GUIDE, second)))
    assert fields["MsgType"] == "news"
    assert fields["ArticleCount"] == "2"
    assert fields["Articles"]["item"] == [
        {
            "Title": "居住证办理指南",
            "Description": "所需材料、办理地点和时限",
            "PicUrl": "https://zw.example.gov.cn/img/guide.jpg",
            "Url": "https://zw.example.gov.cn/h5/guide/residence",
        },
        {
            "Title": "预约取号",
            "Description": "线上预约",
            "PicUrl": "https://zw.example.gov.cn/p.jpg",
            "Url": "https://zw.example.gov.cn/q",
        },
    ]


def test_news_reply_accepts_a_list_and_stores_a_tuple() -> None:
    reply = NewsReply([GUIDE])  # type: ignore[arg-type]
    assert reply.articles == (GUIDE,)
    assert hash(reply) == hash(NewsReply((GUIDE,)))


@pytest.mark.parametrize("count", [0, 9])
def test_news_reply_needs_1_to_8_articles(count: int) -> None:
    with pytest.raises(ValueError):
        NewsReply((GUIDE,) * count)


def test_news_reply_accepts_8_articles() -> None:
    fields = render(NewsReply((GUIDE,) * 8))
    assert fields["ArticleCount"] == "8"
    assert len(fields["Articles"]["item"]) == 8


def test_renders_transfer_customer_service_reply() -> None:
    fields = render(TransferCustomerServiceReply())
    assert fields["MsgType"] == "transfer_customer_service"
    assert "TransInfo" not in fields


def test_renders_transfer_to_a_named_agent() -> None:
    fields = render(TransferCustomerServiceReply("kf2001@gh_2f1c9a7e3b45"))
    assert fields["TransInfo"] == {"KfAccount": "kf2001@gh_2f1c9a7e3b45"}


def test_empty_reply_renders_as_empty_string() -> None:
    assert render_reply(EmptyReply(), to_user=OPENID, from_user=ACCOUNT, create_time=1) == ""


@pytest.mark.parametrize("create_time", ["1718000005", -1, 1.5, True])
def test_render_rejects_a_bad_create_time(create_time: object) -> None:
    with pytest.raises(ValueError):
        render_reply(TextReply("x"), to_user=OPENID, from_user=ACCOUNT, create_time=create_time)  # type: ignore[arg-type]


# --- customer-service messages ---


def test_custom_text_message() -> None:
    assert to_custom_message(TextReply("办理完成"), openid=OPENID) == {
        "touser": OPENID,
        "msgtype": "text",
        "text": {"content": "办理完成"},
    }


def test_custom_image_and_voice_messages() -> None:
    assert to_custom_message(ImageReply("m1"), openid=OPENID) == {
        "touser": OPENID,
        "msgtype": "image",
        "image": {"media_id": "m1"},
    }
    assert to_custom_message(VoiceReply("m2"), openid=OPENID) == {
        "touser": OPENID,
        "msgtype": "voice",
        "voice": {"media_id": "m2"},
    }


def test_custom_video_message() -> None:
    reply = VideoReply("v1", title="标题", description="说明", thumb_media_id="t1")
    assert to_custom_message(reply, openid=OPENID) == {
        "touser": OPENID,
        "msgtype": "video",
        "video": {
            "media_id": "v1",
            "thumb_media_id": "t1",
            "title": "标题",
            "description": "说明",
        },
    }


def test_custom_music_message() -> None:
    reply = MusicReply("曲", "述", "https://a/m.mp3", "https://a/hq.mp3", "t2")
    assert to_custom_message(reply, openid=OPENID) == {
        "touser": OPENID,
        "msgtype": "music",
        "music": {
            "title": "曲",
            "description": "述",
            "musicurl": "https://a/m.mp3",
            "hqmusicurl": "https://a/hq.mp3",
            "thumb_media_id": "t2",
        },
    }


def test_custom_news_message() -> None:
    assert to_custom_message(NewsReply((GUIDE,)), openid=OPENID) == {
        "touser": OPENID,
        "msgtype": "news",
        "news": {
            "articles": [
                {
                    "title": "居住证办理指南",
                    "description": "所需材料、办理地点和时限",
                    "url": "https://zw.example.gov.cn/h5/guide/residence",
                    "picurl": "https://zw.example.gov.cn/img/guide.jpg",
                }
            ]
        },
    }


def test_custom_news_message_refuses_more_than_one_article() -> None:
    with pytest.raises(ValueError):
        to_custom_message(NewsReply((GUIDE, GUIDE)), openid=OPENID)


@pytest.mark.parametrize("reply", [TransferCustomerServiceReply(), EmptyReply()])
def test_transfer_and_empty_cannot_be_custom_messages(reply: Reply) -> None:
    with pytest.raises(ValueError):
        to_custom_message(reply, openid=OPENID)
