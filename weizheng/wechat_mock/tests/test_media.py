"""Temporary media: upload checks, download, the 3-day lifetime."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from weizheng.wechat_mock.qr import png_for

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


def _upload(client, token, media_type, name, content):
    return client.post(
        f"/wxmock/cgi-bin/media/upload?access_token={token}&type={media_type}",
        {"media": SimpleUploadedFile(name, content)},
    ).json()


def test_upload_image_then_get_returns_the_bytes(app, client, access_token):
    png = png_for("hello")
    uploaded = _upload(client, access_token, "image", "photo.png", png)
    assert set(uploaded) == {"type", "media_id", "created_at"}
    assert uploaded["type"] == "image"

    response = client.get(
        f"/wxmock/cgi-bin/media/get?access_token={access_token}&media_id={uploaded['media_id']}"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content == png
    assert uploaded["media_id"] in response["Content-disposition"]


def test_upload_thumb_answers_thumb_media_id(app, client, access_token):
    uploaded = _upload(client, access_token, "thumb", "t.jpg", JPEG)
    assert set(uploaded) == {"type", "thumb_media_id", "created_at"}


def test_get_video_answers_a_download_url(app, client, access_token):
    uploaded = _upload(client, access_token, "video", "clip.mp4", b"\x00\x00\x00\x18ftypmp42")
    answer = client.get(
        f"/wxmock/cgi-bin/media/get?access_token={access_token}&media_id={uploaded['media_id']}"
    ).json()
    assert answer["video_url"].startswith("http://testserver/wxmock/_control/media/")
    assert client.get(answer["video_url"]).content == b"\x00\x00\x00\x18ftypmp42"


def test_upload_refusals(app, client, access_token):
    assert _upload(client, access_token, "doc", "a.png", png_for("x"))["errcode"] == 40004
    assert _upload(client, access_token, "image", "a.txt", b"hello")["errcode"] == 40005
    assert _upload(client, access_token, "image", "fake.png", b"not an image")["errcode"] == 40005
    assert (
        _upload(client, access_token, "thumb", "big.jpg", JPEG + b"\x00" * 65536)["errcode"]
        == 40012
    )
    assert (
        _upload(client, access_token, "voice", "v.amr", b"#!AMR\n" + b"\x00" * (2 * 1024 * 1024))[
            "errcode"
        ]
        == 40010
    )
    missing = client.post(f"/wxmock/cgi-bin/media/upload?access_token={access_token}&type=image")
    assert missing.json()["errcode"] == 41005


def test_media_expires_after_three_days(app, client, wechat, access_token):
    uploaded = _upload(client, access_token, "image", "p.jpg", JPEG)
    with time_machine.travel(timezone.now() + dt.timedelta(days=3, seconds=1)):
        token = wechat.access_token()
        answer = client.get(
            f"/wxmock/cgi-bin/media/get?access_token={token}&media_id={uploaded['media_id']}"
        ).json()
    assert answer["errcode"] == 40007
