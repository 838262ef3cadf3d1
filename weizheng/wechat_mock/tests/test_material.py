"""Permanent material and the media of mass messages: material/add_material (types, sizes, the
video description, the account's limits), get_materialcount, del_material, media/uploadvideo,
media/uploadnews, and which media ids a mass message accepts."""

from __future__ import annotations

import datetime as dt
import json

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from weizheng.wechat_mock import actions
from weizheng.wechat_mock.models import MockApp, MockDelivered, MockMassJob, MockMedia
from weizheng.wechat_mock.qr import png_for

MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64


def add_material(client, token, media_type, name, content, **form):
    return client.post(
        f"/wxmock/cgi-bin/material/add_material?access_token={token}&type={media_type}",
        {"media": SimpleUploadedFile(name, content), **form},
    ).json()


def image(app: MockApp, name: str = "cover") -> MockMedia:
    return actions.do_add_material(
        app, media_type="image", filename=f"{name}.png", content=png_for(name)
    )


def article(thumb: str, **fields):
    return {"title": "停水通知", "thumb_media_id": thumb, "content": "<p>明日停水。</p>", **fields}


def test_an_image_becomes_permanent_material_with_a_url_and_outlives_three_days(
    app, client, wechat, access_token
):
    png = png_for("poster")
    answer = add_material(client, access_token, "image", "poster.png", png)

    assert set(answer) == {"media_id", "url"}
    assert answer["url"].endswith(f"/_control/media/{answer['media_id']}")
    with time_machine.travel(timezone.now() + dt.timedelta(days=30)):
        stored = wechat.raw(
            "cgi-bin/material/get_material",
            token=wechat.access_token(),
            body={"media_id": answer["media_id"]},
        )
    assert stored.content == png
    assert wechat.call("cgi-bin/material/get_materialcount", token=access_token) == {
        "voice_count": 0,
        "video_count": 0,
        "image_count": 1,
        "news_count": 0,
    }


def test_a_video_needs_its_description_form_field_with_a_title(app, client, access_token):
    missing = add_material(client, access_token, "video", "clip.mp4", MP4)
    assert missing["errcode"] == 40035
    untitled = add_material(
        client, access_token, "video", "clip.mp4", MP4, description=json.dumps({"title": ""})
    )
    assert untitled["errcode"] == 40035

    described = json.dumps({"title": "防诈宣传片", "introduction": "三分钟看懂电信诈骗"})
    answer = add_material(client, access_token, "video", "clip.mp4", MP4, description=described)

    assert set(answer) == {"media_id"}
    video = MockMedia.objects.get(media_id=answer["media_id"])
    assert (video.is_permanent, video.title, video.introduction) == (
        True,
        "防诈宣传片",
        "三分钟看懂电信诈骗",
    )


def test_wrong_type_format_or_size_is_refused_and_nothing_is_kept(app, client, access_token):
    assert add_material(client, access_token, "news", "a.png", png_for("x"))["errcode"] == 40004
    assert add_material(client, access_token, "image", "a.pdf", b"%PDF-1.4")["errcode"] == 40005
    assert add_material(client, access_token, "image", "a.png", b"not a png")["errcode"] == 40005
    big_voice = b"#!AMR\n" + b"\x00" * (2 * 1024 * 1024)
    assert add_material(client, access_token, "voice", "a.amr", big_voice)["errcode"] == 40010
    big_thumb = b"\xff\xd8\xff" + b"\x00" * (64 * 1024)
    assert add_material(client, access_token, "thumb", "t.jpg", big_thumb)["errcode"] == 40012
    assert not MockMedia.objects.exists()


def test_the_account_keeps_at_most_its_limit_of_each_type(app, client, access_token):
    app.quota_limits = {"material_voice": 1}
    app.save(update_fields=["quota_limits"])
    voice = b"#!AMR\n" + b"\x00" * 32
    assert "media_id" in add_material(client, access_token, "voice", "a.amr", voice)

    refused = add_material(client, access_token, "voice", "b.amr", voice)

    assert refused["errcode"] == 45001
    assert MockMedia.objects.filter(type="voice").count() == 1
    # Images have their own (much larger) limit.
    assert "media_id" in add_material(client, access_token, "image", "a.png", png_for("a"))


def test_del_material_frees_the_slot_and_an_unknown_id_is_40007(app, wechat, access_token):
    kept = image(app)
    assert wechat.call(
        "cgi-bin/material/del_material", token=access_token, body={"media_id": kept.media_id}
    ) == {"errcode": 0, "errmsg": "ok"}
    again = wechat.call(
        "cgi-bin/material/del_material", token=access_token, body={"media_id": kept.media_id}
    )
    assert again["errcode"] == 40007
    assert wechat.call("cgi-bin/material/get_materialcount", token=access_token)["image_count"] == 0


def test_uploadvideo_turns_a_video_into_an_mpvideo_media_id(app, wechat, access_token):
    video = actions.do_add_material(
        app,
        media_type="video",
        filename="clip.mp4",
        content=MP4,
        description=json.dumps({"title": "宣传片", "introduction": "简介"}),
    )
    answer = wechat.call(
        "cgi-bin/media/uploadvideo",
        token=access_token,
        body={"media_id": video.media_id, "title": "防诈宣传片", "description": "请转告家人"},
    )
    assert answer["type"] == "video" and answer["media_id"] != video.media_id
    not_a_video = wechat.call(
        "cgi-bin/media/uploadvideo",
        token=access_token,
        body={"media_id": image(app).media_id, "title": "x", "description": "y"},
    )
    assert not_a_video["errcode"] == 40007


def test_uploadnews_checks_every_article_against_wechats_limits(app, wechat, access_token):
    cover = image(app).media_id

    def upload(*articles):
        return wechat.call(
            "cgi-bin/media/uploadnews", token=access_token, body={"articles": list(articles)}
        )

    assert upload()["errcode"] == 44003
    assert upload(*[article(cover)] * 9)["errcode"] == 45008
    assert upload(article(cover, title="长" * 65))["errcode"] == 45003
    assert upload(article(cover, digest="摘" * 121))["errcode"] == 45004
    assert upload(article(cover, content="字" * 20_000))["errcode"] == 45002
    assert upload(article(cover, content=""))["errcode"] == 44004
    assert upload(article("unknown-thumb"))["errcode"] == 40007
    assert upload(article(""))["errcode"] == 41006
    assert not MockMedia.objects.filter(type="news").exists()

    answer = upload(
        article(cover, content="<p>正文</p><script>alert(1)</script>"),
        article(cover, title="第二篇"),
    )

    assert answer["type"] == "news"
    news = MockMedia.objects.get(media_id=answer["media_id"])
    assert [a["title"] for a in news.articles] == ["停水通知", "第二篇"]
    assert news.articles[0]["content"] == "<p>正文</p>"


def test_mass_image_takes_permanent_material_only(app, wechat, access_token, alice, bob):
    temporary = actions.do_upload_media(
        app, media_type="image", filename="t.png", content=png_for("t")
    )
    body = {"touser": [alice.openid, bob.openid], "msgtype": "image"}

    refused = wechat.call(
        "cgi-bin/message/mass/send",
        token=access_token,
        body={**body, "image": {"media_id": temporary.media_id}},
    )
    assert refused["errcode"] == 40007
    assert "material/add_material" in refused["errmsg"]
    unknown = wechat.call(
        "cgi-bin/message/mass/send", token=access_token, body={**body, "image": {"media_id": "x"}}
    )
    assert unknown["errcode"] == 40007
    assert not MockMassJob.objects.exists()

    sent = wechat.call(
        "cgi-bin/message/mass/send",
        token=access_token,
        body={**body, "image": {"media_id": image(app).media_id}},
    )
    assert sent["errcode"] == 0


def test_an_mpnews_media_id_expires_after_three_days(app, wechat, access_token, alice, bob):
    news = actions.do_upload_news(app, body={"articles": [article(image(app).media_id)]})
    body = {
        "touser": [alice.openid, bob.openid],
        "msgtype": "mpnews",
        "mpnews": {"media_id": news.media_id},
    }
    with time_machine.travel(timezone.now() + dt.timedelta(days=3, minutes=1)):
        late = wechat.call("cgi-bin/message/mass/send", token=wechat.access_token(), body=body)
    assert late["errcode"] == 40007
    assert wechat.call("cgi-bin/message/mass/send", token=access_token, body=body)["errcode"] == 0


def test_the_delivered_api_shows_the_articles_of_an_mpnews_message(
    app, client, wechat, access_token, alice, bob
):
    cover = image(app).media_id
    news = actions.do_upload_news(
        app, body={"articles": [article(cover, digest="明日停水"), article(cover, title="第二篇")]}
    )
    wechat.call(
        "cgi-bin/message/mass/send",
        token=access_token,
        body={
            "touser": [alice.openid, bob.openid],
            "msgtype": "mpnews",
            "mpnews": {"media_id": news.media_id},
        },
    )
    assert MockDelivered.objects.filter(openid=alice.openid).count() == 1

    items = client.get(f"/wxmock/_control/apps/{app.appid}/delivered?openid={alice.openid}")

    mpnews = items.json()[0]["payload"]["mpnews"]
    assert mpnews["media_id"] == news.media_id
    assert [a["title"] for a in mpnews["articles"]] == ["停水通知", "第二篇"]
    assert mpnews["articles"][0]["digest"] == "明日停水"
