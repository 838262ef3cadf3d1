"""Deliveries of the mock platform as chat bubbles: passive replies (WeChat's XML, parsed) and
pushed messages (the API's JSON) come out in one shape."""

from __future__ import annotations

from weizheng.simulator.bubbles import bubble


def media(media_id: str) -> str:
    return f"http://mock/_control/media/{media_id}"


def shaped(channel, msgtype, payload, **kwargs):
    item = {"id": 7, "channel": channel, "msgtype": msgtype, "payload": payload}
    return bubble(item, media_url=media, **kwargs)


def test_passive_text_image_and_voice():
    assert shaped("passive", "text", {"Content": "你好"}) == {
        "id": 7,
        "channel": "passive",
        "type": "text",
        "text": "你好",
    }
    assert shaped("passive", "image", {"Image": {"MediaId": "M1"}})["src"] == media("M1")
    assert shaped("passive", "voice", {"Voice": {"MediaId": "V1"}})["type"] == "voice"


def test_passive_news_with_one_or_several_articles():
    one = {
        "Title": "办证指南",
        "Description": "材料清单",
        "PicUrl": "http://p/1.jpg",
        "Url": "http://u/1",
    }
    single = shaped("passive", "news", {"ArticleCount": "1", "Articles": {"item": one}})
    assert single["articles"] == [
        {
            "title": "办证指南",
            "description": "材料清单",
            "pic_url": "http://p/1.jpg",
            "url": "http://u/1",
        }
    ]
    several = shaped(
        "passive", "news", {"ArticleCount": "2", "Articles": {"item": [one, {"Title": "二"}]}}
    )
    assert [a["title"] for a in several["articles"]] == ["办证指南", "二"]


def test_passive_video_and_music():
    video = shaped("passive", "video", {"Video": {"MediaId": "X", "Title": "宣传片"}})
    assert video == {
        "id": 7,
        "channel": "passive",
        "type": "video",
        "src": media("X"),
        "title": "宣传片",
        "description": "",
    }
    music = shaped("passive", "music", {"Music": {"Title": "歌", "MusicUrl": "http://m/1.mp3"}})
    assert music["url"] == "http://m/1.mp3" and music["title"] == "歌"


def test_customer_service_messages():
    assert shaped("custom", "text", {"msgtype": "text", "text": {"content": "已受理"}})["text"] == (
        "已受理"
    )
    news = shaped(
        "custom",
        "news",
        {"msgtype": "news", "news": {"articles": [{"title": "进度", "url": "http://u"}]}},
    )
    assert news["articles"][0]["title"] == "进度" and news["channel"] == "custom"
    menu = shaped(
        "custom",
        "msgmenu",
        {
            "msgtype": "msgmenu",
            "msgmenu": {
                "head_content": "您对本次服务满意吗？",
                "list": [{"id": "101", "content": "满意"}, {"id": "102", "content": "不满意"}],
                "tail_content": "欢迎再次光临",
            },
        },
    )
    assert menu["type"] == "menu"
    assert menu["options"] == [{"id": "101", "text": "满意"}, {"id": "102", "text": "不满意"}]


def test_template_message_rows_and_title():
    item = {
        "template_id": "T1",
        "url": "http://u",
        "data": {"first": {"value": "您好", "color": "#173177"}, "remark": {"value": "谢谢"}},
    }
    card = shaped("template", "template", item, templates={"T1": "办理结果通知"})
    assert card["title"] == "办理结果通知"
    assert card["rows"] == [{"name": "first", "value": "您好"}, {"name": "remark", "value": "谢谢"}]
    assert shaped("template", "template", item)["title"] == ""


def test_mass_messages_and_what_a_bubble_cannot_show():
    assert (
        shaped("mass", "text", {"msgtype": "text", "text": {"content": "通知"}})["text"] == "通知"
    )
    article = shaped("mass", "mpnews", {"msgtype": "mpnews", "mpnews": {"media_id": "A1"}})
    assert article["type"] == "notice" and article["kind"] == "article" and article["text"] == "A1"
    assert shaped("custom", "wxcard", {})["kind"] == "wxcard"
    assert shaped("passive", "transfer_customer_service", {})["type"] == "notice"


def test_malformed_payloads_do_not_raise():
    assert shaped("passive", "news", {"Articles": "junk"})["articles"] == []
    assert shaped("custom", "news", {"news": {"articles": ["x", None]}})["articles"] == []
    assert shaped("template", "template", {"data": "junk"})["rows"] == []
    assert shaped("passive", "text", {})["text"] == ""


def test_a_news_broadcast_shows_its_uploaded_articles_as_cards():
    payload = {
        "msgtype": "mpnews",
        "mpnews": {
            "media_id": "N1",
            "articles": [
                {
                    "title": "平安市机动车限行新规",
                    "digest": "12 月 1 日起施行",
                    "thumb_media_id": "T1",
                    "content_source_url": "http://web/h5/police/news/3/",
                },
                {"title": "冬季安全驾驶提示", "digest": "", "thumb_media_id": "T2"},
            ],
        },
    }
    card = shaped("mass", "mpnews", payload)
    assert card["type"] == "news"
    assert card["articles"] == [
        {
            "title": "平安市机动车限行新规",
            "description": "12 月 1 日起施行",
            "pic_url": media("T1"),
            "url": "http://web/h5/police/news/3/",
        },
        {"title": "冬季安全驾驶提示", "description": "", "pic_url": media("T2"), "url": ""},
    ]
