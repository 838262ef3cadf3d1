"""Broadcasts of picked media: image, voice and video from the account's media library, news as
published content articles. The composer lists and checks the picks; the media goes to WeChat as
permanent material (video through media/uploadvideo, articles through media/uploadnews) at the
preview and the final approval; the mock platform records what went out; a refusal of WeChat
stops the broadcast with the reason and nothing is sent."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.utils import timezone

from weizheng.broadcasts import actions
from weizheng.broadcasts.models import Broadcast, BroadcastArticle, SendState
from weizheng.content.actions import (
    check_approve_item,
    check_save_item,
    check_upload_media,
    do_submit,
)
from weizheng.content.demo import cover_png
from weizheng.core.review import ReviewStatus
from weizheng.wechat.models import ApiCall
from weizheng.wechat_mock import actions as mock
from weizheng.wechat_mock.models import Channel, MockDelivered, MockMassJob, MockMedia

from .conftest import add_followers, signed_in

MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def office(account, path=""):
    return f"/office/accounts/{account.pk}/broadcasts/{path}"


def library_file(world, kind="image", name="海报.png", content=None, account=None):
    return check_upload_media(
        account=account or world["police"],
        kind=kind,
        filename=name,
        content=content if content is not None else cover_png(name, (30, 90, 200)),
        actor=world["bob"],
    )


def article(world, title, *, publish=True, cover=True, account=None, summary="摘要"):
    """A news item of the account through 三审 (bob writes, rita and alice review)."""
    account = account or world["police"]
    data = {"kind": "news", "title": title, "summary": summary, "body": f"<p>{title}的正文。</p>"}
    if cover:
        data["cover"] = library_file(world, name=f"封面{title[:4]}.png", account=account)
    author = world["bob"] if account == world["police"] else world["carol"]
    item = check_save_item(account=account, actor=author, data=data)
    if publish:
        do_submit(item=item, actor=author)
        check_approve_item(item=item, actor=world["rita"])
        item = check_approve_item(item=item, actor=world["alice"])
    return item


def compose(world, **fields):
    data = {
        "title": "群发",
        "message_type": "image",
        "audience_kind": "all",
        **fields,
    }
    return signed_in(world["bob"]).post(office(world["police"], "new/"), data)


def through_review(world, broadcast):
    """Submitted by bob, approved by rita then by alice, on the pages."""
    police = world["police"]
    assert (
        signed_in(world["bob"]).post(office(police, f"{broadcast.pk}/submit/")).status_code == 302
    )
    rita = signed_in(world["rita"]).post(office(police, f"{broadcast.pk}/approve/"))
    assert rita.status_code == 302
    return signed_in(world["alice"]).post(office(police, f"{broadcast.pk}/approve/"), follow=True)


# --- the composer ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_composer_lists_the_library_and_the_published_articles_of_the_account(world):
    poster = library_file(world, name="春运海报.png")
    library_file(
        world, kind="voice", name="提示音.amr", content=b"#!AMR\n" + b"\x3c" + b"\x00" * 31
    )
    library_file(world, name="水务海报.png", account=world["water"])
    published = article(world, "夏季交通安全宣传月")
    article(world, "尚未发布的稿件", publish=False)

    page = signed_in(world["bob"]).get(office(world["police"], "new/"))

    text = page.content.decode()
    assert page.status_code == 200
    assert "春运海报.png" in text and "提示音.amr" in text
    assert office(world["police"], f"library/{poster.pk}/") in text
    published_on = timezone.localtime(published.published_at).strftime("%Y-%m-%d")
    assert "夏季交通安全宣传月" in text and published_on in text
    assert "尚未发布的稿件" not in text
    assert "水务海报.png" not in text
    thumbnail = signed_in(world["bob"]).get(office(world["police"], f"library/{poster.pk}/"))
    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/png"
    water_file = library_file(world, name="w.png", account=world["water"])
    other = signed_in(world["bob"]).get(office(world["police"], f"library/{water_file.pk}/"))
    assert other.status_code == 404


@pytest.mark.django_db
def test_a_picked_image_and_ordered_articles_are_saved_and_shown(world):
    poster = library_file(world, name="春运海报.png")
    first, second = article(world, "第一篇"), article(world, "第二篇")

    saved = compose(world, message_type="image", media_asset=poster.pk)
    assert saved.status_code == 302
    image = Broadcast.objects.get(message_type="image")
    assert image.media_asset == poster and image.media_id == ""

    news = compose(
        world,
        title="新闻",
        message_type="news",
        media_asset=poster.pk,  # ignored for news
        article_picker="1",
        article_ids=f"{second.pk},{first.pk}",
        article_pick=[first.pk, second.pk],
    )
    assert news.status_code == 302
    broadcast = Broadcast.objects.get(message_type="news")
    assert broadcast.media_asset is None
    assert list(
        BroadcastArticle.objects.filter(broadcast=broadcast).values_list("item_id", flat=True)
    ) == [second.pk, first.pk]
    page = signed_in(world["bob"]).get(office(world["police"], f"{broadcast.pk}/")).content.decode()
    assert page.index("第二篇") < page.index("第一篇")
    edit = signed_in(world["bob"]).get(office(world["police"], f"{broadcast.pk}/edit/"))
    assert f'value="{second.pk},{first.pk}"' in edit.content.decode()


@pytest.mark.django_db
def test_the_composer_refuses_a_wrong_pick_with_the_reason_and_saves_nothing(world):
    voice = library_file(world, kind="voice", name="提示音.amr", content=b"#!AMR\n" + b"\x00" * 32)
    water_poster = library_file(world, name="水务海报.png", account=world["water"])
    poster = library_file(world, name="海报.png")
    long_title = article(world, "长" * 65)
    draft = article(world, "未发布", publish=False)
    no_cover = article(world, "无封面", cover=False)
    water_article = article(world, "水务新闻", account=world["water"], publish=False)
    many = [article(world, f"第{n}篇") for n in range(9)]

    cases = [
        (dict(media_asset=voice.pk), "the picked file is of the kind “voice”"),
        (dict(media_asset=water_poster.pk), "not one of this account's library"),
        (dict(), "needs a file of the media library"),
        (dict(media_asset=poster.pk, media_id="typed-id"), "not both"),
        (dict(message_type="news", article_ids=""), "1 to 8 published articles"),
        (dict(message_type="news", article_ids=str(long_title.pk)), "at most 64"),
        (dict(message_type="news", article_ids=str(draft.pk)), "is not published"),
        (dict(message_type="news", article_ids=str(no_cover.pk)), "has no cover image"),
        (dict(message_type="news", article_ids=str(water_article.pk)), "not one of this account's"),
        (
            dict(message_type="news", article_ids=",".join(str(a.pk) for a in many)),
            "at most 8 articles",
        ),
    ]
    for fields, reason in cases:
        response = compose(world, **fields)
        assert response.status_code == 200, fields
        assert reason in html.unescape(response.content.decode()), (fields, reason)
    assert not Broadcast.objects.exists()


# --- through WeChat (the mock platform over HTTP) --------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_news_from_two_articles_goes_out_as_one_mpnews_message_with_those_articles(
    mock_world, settings
):
    settings.PUBLIC_BASE_URL = "https://wx.pingan.gov.cn"
    police = mock_world["police"]
    followers = add_followers(police, 3, on_mock=True, prefix="oNews")
    first = article(mock_world, "交警支队启动夏季道路交通安全宣传月活动")
    second = article(mock_world, "出入境办证大厅周六延长服务时间")
    compose(
        mock_world,
        title="本周要闻",
        message_type="news",
        article_picker="1",
        article_ids=f"{first.pk},{second.pk}",
        article_pick=[first.pk, second.pk],
    )
    broadcast = Broadcast.objects.get(title="本周要闻")

    page = through_review(mock_world, broadcast)

    broadcast.refresh_from_db()
    assert broadcast.state == SendState.SENT, broadcast.last_error
    job = MockMassJob.objects.get()
    assert job.msgtype == "mpnews" and job.target == "all"
    assert job.payload["mpnews"]["media_id"] == broadcast.prepared_media_id
    news = MockMedia.objects.get(media_id=broadcast.prepared_media_id, type="news")
    assert [a["title"] for a in news.articles] == [first.title, second.title]
    assert news.articles[0]["content"] == f"<p>{first.title}的正文。</p>"
    assert news.articles[0]["content_source_url"] == (
        f"https://wx.pingan.gov.cn/h5/police/news/{first.pk}/"
    )
    for item, sent in zip((first, second), news.articles, strict=True):
        item.cover.refresh_from_db()
        cover = MockMedia.objects.get(media_id=sent["thumb_media_id"])
        assert cover.is_permanent and cover.type == "image"
        assert sent["thumb_media_id"] == item.cover.wechat_material_id
    delivered = MockDelivered.objects.filter(channel=Channel.MASS, msgtype="mpnews")
    assert sorted(delivered.values_list("openid", flat=True)) == sorted(f.openid for f in followers)
    assert "交警支队启动夏季道路交通安全宣传月活动" in page.content.decode()
    assert broadcast.prepared_media_id in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_picked_image_is_previewed_then_sent_as_one_permanent_material(mock_world):
    police = mock_world["police"]
    followers = add_followers(police, 2, on_mock=True, prefix="oImg")
    poster = library_file(mock_world, name="春运海报.png")
    compose(mock_world, title="春运海报", media_asset=poster.pk)
    broadcast = Broadcast.objects.get()

    preview = signed_in(mock_world["bob"]).post(
        office(police, f"{broadcast.pk}/preview/"), {"openid": followers[0].openid}
    )
    assert preview.status_code == 302
    previewed = MockDelivered.objects.get(channel=Channel.PREVIEW)
    poster.refresh_from_db()
    assert previewed.payload["image"]["media_id"] == poster.wechat_material_id

    through_review(mock_world, broadcast)

    broadcast.refresh_from_db()
    assert broadcast.state == SendState.SENT, broadcast.last_error
    job = MockMassJob.objects.get()
    assert (job.msgtype, job.payload["image"]["media_id"]) == ("image", poster.wechat_material_id)
    assert MockMedia.objects.get(media_id=poster.wechat_material_id).is_permanent
    assert ApiCall.objects.filter(api="material/add_material").count() == 1
    assert not ApiCall.objects.filter(api="media/upload").exists()


@pytest.mark.django_db(transaction=True)
def test_a_picked_video_goes_out_as_mpvideo_with_the_title_followers_see(mock_world):
    add_followers(mock_world["police"], 2, on_mock=True, prefix="oVid")
    clip = library_file(mock_world, kind="video", name="防诈宣传片.mp4", content=MP4)
    compose(
        mock_world,
        title="防诈",
        message_type="video",
        media_asset=clip.pk,
        video_title="防范电信诈骗",
        video_description="三分钟看懂常见骗术",
    )
    broadcast = Broadcast.objects.get()

    through_review(mock_world, broadcast)

    broadcast.refresh_from_db()
    assert broadcast.state == SendState.SENT, broadcast.last_error
    job = MockMassJob.objects.get()
    mpvideo = MockMedia.objects.get(media_id=job.payload["mpvideo"]["media_id"])
    assert (mpvideo.type, mpvideo.title, mpvideo.introduction) == (
        "mpvideo",
        "防范电信诈骗",
        "三分钟看懂常见骗术",
    )
    clip.refresh_from_db()
    material = MockMedia.objects.get(media_id=clip.wechat_material_id)
    assert material.is_permanent and material.title == "防范电信诈骗"


@pytest.mark.django_db(transaction=True)
def test_a_material_upload_refused_at_the_final_approval_leaves_it_unsent_with_the_reason(
    mock_world,
):
    police = mock_world["police"]
    add_followers(police, 2, on_mock=True, prefix="oFail")
    first, second = article(mock_world, "第一篇"), article(mock_world, "第二篇")
    compose(mock_world, message_type="news", article_ids=f"{first.pk},{second.pk}")
    broadcast = Broadcast.objects.get()
    mock.inject_fault(
        app=police.app_id, api="/cgi-bin/material/add_material", kind="errcode", value=45001
    )

    page = through_review(mock_world, broadcast)

    text = html.unescape(page.content.decode())
    assert "WeChat refused" in text and "45001" in text and "Nothing was sent." in text
    broadcast.refresh_from_db()
    assert broadcast.review_status == ReviewStatus.FINAL_REVIEW
    assert broadcast.state == SendState.WAITING and broadcast.prepared_media_id == ""
    assert not MockMassJob.objects.exists()
    assert not broadcast.chunks.exists()

    mock.clear_faults()
    signed_in(mock_world["alice"]).post(office(police, f"{broadcast.pk}/approve/"))
    broadcast.refresh_from_db()
    assert broadcast.state == SendState.SENT
    assert MockMassJob.objects.get().msgtype == "mpnews"


@pytest.mark.django_db(transaction=True)
def test_articles_refused_when_sending_fail_the_broadcast_with_the_reason_and_nothing_sent(
    mock_world,
):
    police = mock_world["police"]
    add_followers(police, 2, on_mock=True, prefix="oLate")
    first = article(mock_world, "第一篇")
    compose(
        mock_world,
        message_type="news",
        article_ids=str(first.pk),
        scheduled_at=(timezone.localtime() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
    )
    broadcast = Broadcast.objects.get()
    through_review(mock_world, broadcast)
    broadcast.refresh_from_db()
    assert broadcast.state == SendState.SCHEDULED and broadcast.prepared_media_id
    # Two days later the mpnews media id is stale: it is made again when sending starts, and
    # WeChat refuses the articles this time.
    Broadcast.objects.filter(pk=broadcast.pk).update(
        scheduled_at=timezone.now() - timedelta(minutes=1),
        prepared_at=timezone.now() - timedelta(days=2),
    )
    mock.inject_fault(
        app=police.app_id, api="/cgi-bin/media/uploadnews", kind="errcode", value=45002
    )

    assert actions.dispatch_broadcast(broadcast_id=broadcast.pk) == "failed"

    broadcast.refresh_from_db()
    assert broadcast.state == SendState.FAILED
    assert "45002" in broadcast.last_error and "Nothing was sent." in broadcast.last_error
    assert not MockMassJob.objects.exists() and not broadcast.chunks.exists()
    page = signed_in(mock_world["bob"]).get(office(police, f"{broadcast.pk}/"))
    assert "Nothing was sent." in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_clerk_who_may_not_approve_sends_nothing_to_wechat(mock_world):
    add_followers(mock_world["police"], 2, on_mock=True, prefix="oDeny")
    poster = library_file(mock_world)
    compose(mock_world, media_asset=poster.pk)
    broadcast = Broadcast.objects.get()
    actions.check_submit(broadcast=broadcast, actor=mock_world["bob"])
    actions.check_approve_broadcast(broadcast=broadcast, actor=mock_world["rita"])

    refused = signed_in(mock_world["bob"]).post(
        office(mock_world["police"], f"{broadcast.pk}/approve/")
    )

    assert refused.status_code == 403
    assert not ApiCall.objects.filter(api="material/add_material").exists()
    poster.refresh_from_db()
    assert poster.wechat_material_id == ""
