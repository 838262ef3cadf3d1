"""The media library: files are checked against WeChat's limits at upload (format, size, voice
length) and refused with the rule broken; an accepted image can be a news cover and handed to
WeChat."""

from __future__ import annotations

import struct

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from weizheng.content.actions import check_save_item, check_upload_media, do_delete_media
from weizheng.content.demo import cover_png
from weizheng.content.models import MediaAsset
from weizheng.content.rules import audio_duration, check_media
from weizheng.core.errors import AppError
from weizheng.core.models import AuditLog

from .conftest import office, publish, signed_in

pytestmark = pytest.mark.django_db

PNG = cover_png("测试", (7, 193, 96))
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 100


def amr(seconds: float) -> bytes:
    return b"#!AMR\n" + (b"\x3c" + b"\x00" * 31) * int(seconds / 0.02)


def mp3(seconds: float) -> bytes:
    frame = struct.pack(">I", 0xFFFB9000) + b"\x00" * (
        417 - 4
    )  # MPEG-1 layer III, 128 kbit/s, 44.1 kHz
    return b"ID3\x03\x00\x00\x00\x00\x00\x00" + frame * int(seconds * 44100 / 1152)


def refusal(kind, name, content):
    with pytest.raises(AppError) as refused:
        check_media(kind=kind, filename=name, content=content)
    assert refused.value.code == "media_refused"
    return refused.value.message


def test_accepted_files():
    assert check_media(kind="image", filename="封面.png", content=PNG).content_type == "image/png"
    assert check_media(kind="thumb", filename="t.jpg", content=JPEG).extension == "jpg"
    assert check_media(
        kind="voice", filename="v.amr", content=amr(60)
    ).duration_seconds == pytest.approx(60)
    assert check_media(
        kind="voice", filename="v.mp3", content=mp3(30)
    ).duration_seconds == pytest.approx(30, abs=0.1)
    assert (
        check_media(
            kind="video", filename="v.mp4", content=b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 10
        ).content_type
        == "video/mp4"
    )


def test_refusals_name_the_rule_broken():
    assert "up to 10.0 MB; this one is 10.0 MB" in refusal(
        "image", "big.png", PNG + b"\x00" * (10 * 1024 * 1024)
    )
    assert "only as jpg, jpeg" in refusal("thumb", "t.png", PNG)
    assert "up to 64 KB" in refusal("thumb", "t.jpg", JPEG + b"\x00" * 64 * 1024)
    assert "not really a PNG" in refusal("image", "fake.png", b"GIF89a....")
    assert "up to 60 seconds; this one lasts 61" in refusal("voice", "long.amr", amr(61))
    assert "up to 60 seconds" in refusal("voice", "long.mp3", mp3(61))
    assert "up to 2.0 MB" in refusal("voice", "big.mp3", mp3(10) + b"\x00" * 2 * 1024 * 1024)
    assert "only as mp4" in refusal("video", "clip.mov", b"\x00\x00\x00\x18ftypqt  ")
    assert "empty" in refusal("image", "e.png", b"")


def test_unreadable_voice_length_is_refused():
    assert audio_duration("mp3", b"\x00" * 100) is None
    assert "cannot be read" in refusal(
        "voice", "noise.mp3", b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\x00" * 50
    )


def test_library_page_refuses_over_limit_upload_and_stores_nothing(world):
    bob = signed_in(world["bob"])
    big = SimpleUploadedFile("long.amr", amr(61), content_type="audio/amr")
    response = bob.post(office(world["police"], "media/"), {"kind": "voice", "file": big})
    assert response.status_code == 400
    assert "up to 60 seconds" in response.content.decode()
    assert not MediaAsset.objects.exists()
    assert not AuditLog.objects.filter(action="content.media.upload").exists()
    ok = SimpleUploadedFile("封面.png", PNG, content_type="image/png")
    assert (
        bob.post(office(world["police"], "media/"), {"kind": "image", "file": ok}).status_code
        == 302
    )
    asset = MediaAsset.objects.get()
    assert asset.size == len(PNG) and asset.account == world["police"]
    assert bob.get(office(world["police"], f"media/{asset.pk}/")).status_code == 200
    assert (
        signed_in(world["carol"]).get(office(world["police"], f"media/{asset.pk}/")).status_code
        == 404
    )
    assert (
        signed_in(world["carol"]).get(office(world["water"], f"media/{asset.pk}/")).status_code
        == 404
    )


def test_cover_is_public_only_once_its_news_is_published(world):
    police = world["police"]
    image = check_upload_media(
        account=police, kind="image", filename="c.png", content=PNG, actor=world["bob"]
    )
    news = check_save_item(
        account=police,
        actor=world["bob"],
        data={"kind": "news", "title": "夏季交通安全宣传", "body": "正文", "cover": image},
    )
    assert Client().get(f"/h5/police/covers/{image.pk}/").status_code == 404
    publish(news, author=world["bob"], first=world["rita"], final=world["alice"])
    response = Client().get(f"/h5/police/covers/{image.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    html = Client().get(f"/h5/police/news/{news.pk}/").content.decode()
    assert f"/h5/police/covers/{image.pk}/" in html
    with pytest.raises(AppError):
        do_delete_media(asset=image, actor=world["bob"])


def test_cover_must_be_an_image_of_the_same_account(world):
    voice = check_upload_media(
        account=world["police"], kind="voice", filename="v.amr", content=amr(2), actor=None
    )
    other = check_upload_media(
        account=world["water"], kind="image", filename="c.png", content=PNG, actor=None
    )
    for cover in (voice, other):
        with pytest.raises(AppError) as refused:
            check_save_item(
                account=world["police"],
                actor=world["bob"],
                data={"kind": "news", "title": "x", "cover": cover},
            )
        assert refused.value.code == "bad_cover"


@pytest.mark.django_db(transaction=True)
def test_image_is_uploaded_to_wechat_through_the_client(
    mock_account, django_user_model, settings, tmp_path
):
    from weizheng.staff.models import Department, Membership, Role

    settings.MEDIA_ROOT = tmp_path
    editor = django_user_model.objects.create_user("ed", password="pw-ed-123456", is_staff=True)
    department = Department.objects.create(name="平安市公安局")
    department.accounts.add(mock_account)
    Membership.objects.create(user=editor, department=department, role=Role.EDITOR)
    asset = check_upload_media(
        account=mock_account, kind="image", filename="封面.png", content=PNG, actor=editor
    )
    response = signed_in(editor).post(office(mock_account, f"media/{asset.pk}/wechat/"))
    assert response.status_code == 302
    asset.refresh_from_db()
    assert asset.wechat_media_id and asset.wechat_uploaded_at is not None
    from weizheng.wechat_mock.models import MockMedia

    assert MockMedia.objects.get(media_id=asset.wechat_media_id).content == PNG
