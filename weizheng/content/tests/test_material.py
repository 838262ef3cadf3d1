"""Library files as permanent material of the account (material/add_material), against the
mock platform over HTTP: uploaded once and remembered, a video with its description, a refusal
named and nothing kept, a duplicate of a concurrent upload deleted again."""

from __future__ import annotations

import pytest

from weizheng.content.actions import check_add_material, check_upload_media
from weizheng.content.demo import cover_png
from weizheng.core.errors import AppError
from weizheng.core.models import AuditLog
from weizheng.wechat.models import ApiCall
from weizheng.wechat_mock import actions as mock
from weizheng.wechat_mock.models import MockMedia

pytestmark = pytest.mark.django_db(transaction=True)

PNG = cover_png("宣传海报", (7, 193, 96))
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64


def upload(account, kind="image", name="海报.png", content=PNG):
    return check_upload_media(
        account=account, kind=kind, filename=name, content=content, actor=None, actor_label="test"
    )


def material_calls(account):
    return ApiCall.objects.filter(account=account, api="material/add_material").count()


def test_an_image_is_uploaded_once_as_permanent_material_and_remembered(mock_account):
    asset = upload(mock_account)

    media_id = check_add_material(asset=asset)

    asset.refresh_from_db()
    assert asset.wechat_material_id == media_id
    assert asset.wechat_material_at is not None
    assert asset.wechat_material_url.endswith(f"/_control/media/{media_id}")
    stored = MockMedia.objects.get(media_id=media_id)
    assert (stored.is_permanent, stored.type, bytes(stored.content)) == (True, "image", PNG)
    assert AuditLog.objects.filter(
        action="content.media.material", target_id=str(asset.pk)
    ).exists()

    assert check_add_material(asset=asset) == media_id
    assert material_calls(mock_account) == 1


def test_a_video_goes_with_its_title_and_introduction(mock_account):
    asset = upload(mock_account, kind="video", name="防诈宣传片.mp4", content=MP4)

    media_id = check_add_material(asset=asset, title="防诈宣传片", introduction="请转告家人")

    stored = MockMedia.objects.get(media_id=media_id)
    assert (stored.type, stored.title, stored.introduction) == ("video", "防诈宣传片", "请转告家人")


def test_a_refusal_names_the_file_and_keeps_nothing(mock_account):
    asset = upload(mock_account)
    mock.inject_fault(
        app=mock_account.app_id, api="/cgi-bin/material/add_material", kind="errcode", value=45001
    )

    with pytest.raises(AppError) as refused:
        check_add_material(asset=asset)

    assert refused.value.code == "material_refused"
    assert "海报.png" in refused.value.message and "45001" in refused.value.message
    asset.refresh_from_db()
    assert asset.wechat_material_id == ""
    assert not MockMedia.objects.filter(is_permanent=True).exists()
    assert not AuditLog.objects.filter(action="content.media.material").exists()


def test_a_concurrent_duplicate_is_deleted_on_wechat(mock_account, monkeypatch):
    asset = upload(mock_account)
    from weizheng.content import actions

    first = upload(mock_account)
    first_id = check_add_material(asset=first)
    # Another request stored its material id between our reading the asset and our upload.
    original = actions.MediaAsset.objects.filter

    def racing_filter(*args, **kwargs):
        if kwargs.get("wechat_material_id") == "" and kwargs.get("pk") == asset.pk:
            original(pk=asset.pk).update(wechat_material_id=first_id)
        return original(*args, **kwargs)

    monkeypatch.setattr(actions.MediaAsset.objects, "filter", racing_filter)

    assert check_add_material(asset=asset) == first_id
    assert MockMedia.objects.filter(is_permanent=True).count() == 1
