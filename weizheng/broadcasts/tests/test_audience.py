"""Audiences resolved from our follower table, each kind of segment; the chunk plan; refusals
before any API call; 三审 with its refusals."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from weizheng.broadcasts import actions
from weizheng.broadcasts.models import Broadcast, BroadcastChunk, SendState
from weizheng.broadcasts.selectors import audience_queryset, walk_audience
from weizheng.core.errors import AppError
from weizheng.core.models import AuditLog
from weizheng.core.review import ReviewStatus
from weizheng.followers.models import Follower
from weizheng.wechat.models import ApiCall

from .conftest import add_followers, tag

pytestmark = pytest.mark.django_db


def save(world, **data):
    values = {"title": "通知", "message_type": "text", "text": "测试", "audience_kind": "segment"}
    values.update(data)
    return actions.check_save_broadcast(account=world["police"], data=values, actor=world["bob"])


def openids(broadcast):
    return sorted(audience_queryset(broadcast).values_list("openid", flat=True))


def test_tags_any_of_them(world):
    police = world["police"]
    a, b, c = add_followers(police, 3, prefix="oTag")
    drivers = tag(police, "车主", [a])
    parents = tag(police, "家长", [b, a])
    tag(police, "其他", [c])
    broadcast = save(world, tag_ids=[drivers.pk, parents.pk])
    assert openids(broadcast) == sorted([a.openid, b.openid])


def test_language_first_follow_dates_and_scene(world):
    police = world["police"]
    zh = add_followers(police, 2, prefix="oZh")
    en = add_followers(police, 1, prefix="oEn", language="en")
    assert openids(save(world, languages=["en"])) == [en[0].openid]

    old = timezone.make_aware(datetime(2025, 1, 10, 9, 0))
    Follower.objects.filter(pk=zh[0].pk).update(first_subscribed_at=old, first_scene="hall-1")
    in_january = save(
        world,
        followed_from=datetime(2025, 1, 1).date(),
        followed_until=datetime(2025, 1, 10).date(),  # the whole day, Beijing time
    )
    assert openids(in_january) == [zh[0].openid]
    assert openids(save(world, first_scene="hall-1")) == [zh[0].openid]


def test_last_location_in_a_radius_or_a_district(world):
    police = world["police"]
    near, far, unknown = add_followers(police, 3, prefix="oLoc")
    # 平安 city hall at 30.0, 120.0; near is ~800 m east-north-east, far ~15 km north.
    Follower.objects.filter(pk=near.pk).update(last_latitude=30.003, last_longitude=120.007)
    Follower.objects.filter(pk=far.pk).update(last_latitude=30.135, last_longitude=120.0)
    circle = save(
        world,
        location_kind="circle",
        latitude=30.0,
        longitude=120.0,
        radius_m=1000,
        location_label="市府",
    )
    assert openids(circle) == [near.openid]
    wide = save(world, location_kind="circle", latitude=30.0, longitude=120.0, radius_m=20_000)
    assert openids(wide) == sorted([near.openid, far.openid])
    district = save(
        world,
        location_kind="box",
        south=30.1,
        west=119.9,
        north=30.2,
        east=120.1,
        location_label="北区",
    )
    assert openids(district) == [far.openid]


def test_an_uploaded_openid_list_reports_unknown_and_unfollowed(world):
    police = world["police"]
    a, b, gone = add_followers(police, 3, prefix="oList")
    Follower.objects.filter(pk=gone.pk).update(is_subscribed=False)
    broadcast = save(world, languages=[])
    raw = f"openid\n{a.openid}\n{b.openid},{a.openid}\n{gone.openid}\noUnknownOpenid0000000000001\n"
    report = actions.check_upload_openids(broadcast=broadcast, raw=raw, actor=world["bob"])
    assert report["given"] == 4 and report["matched"] == 2
    assert report["unknown"] == ["oUnknownOpenid0000000000001"]
    assert report["unsubscribed"] == [gone.openid]
    assert openids(broadcast) == sorted([a.openid, b.openid])
    assert AuditLog.objects.filter(action="broadcasts.upload_list").exists()


def test_all_followers_leaves_unfollowed_out_and_walks_in_pages(world):
    police = world["police"]
    followers = add_followers(police, 25, prefix="oWalk")
    Follower.objects.filter(pk=followers[3].pk).update(is_subscribed=False)
    broadcast = save(world, audience_kind="all")
    walked = list(walk_audience(broadcast, page_size=7))
    assert len(walked) == 24
    assert [pk for pk, _o in walked] == sorted(pk for pk, _o in walked)


def test_over_ten_thousand_openids_are_planned_in_calls_of_at_most_ten_thousand(world):
    police = world["police"]
    add_followers(police, 20_001, prefix="oBig")
    broadcast = save(world, languages=["zh_CN"])
    Broadcast.objects.filter(pk=broadcast.pk).update(state=SendState.SENDING)
    assert actions.plan_chunks(broadcast) == 3
    chunks = list(BroadcastChunk.objects.filter(broadcast=broadcast).order_by("number"))
    assert [c.size for c in chunks] == [6667, 6667, 6667]
    everyone = [o for c in chunks for o in c.openids.split("\n")]
    assert len(everyone) == len(set(everyone)) == 20_001
    assert all(len(c.follower_ids.split(",")) == c.size for c in chunks)
    # Planning twice changes nothing.
    assert (
        actions.plan_chunks(broadcast) == 0
        or BroadcastChunk.objects.filter(broadcast=broadcast).count() == 3
    )


def test_a_single_last_openid_never_makes_a_chunk_of_its_own(world, settings):
    settings.WEIZHENG_BROADCAST_CHUNK_SIZE = 3
    police = world["police"]
    add_followers(police, 7, prefix="oOdd")
    broadcast = save(world, languages=["zh_CN"])
    actions.plan_chunks(broadcast)
    sizes = list(broadcast.chunks.order_by("number").values_list("size", flat=True))
    assert sizes == [3, 2, 2] or (min(sizes) >= 2 and sum(sizes) == 7)


# --- refusals before anything is sent --------------------------------------------------------
def test_refusals_name_the_reason_and_call_nothing(world):
    police = world["police"]
    add_followers(police, 2, prefix="oRef")
    with pytest.raises(AppError) as too_long:
        save(world, text="长" * 700)
    assert "2100 bytes" in too_long.value.message and "2048" in too_long.value.message
    with pytest.raises(AppError, match="media library"):
        save(world, message_type="image", media_id="")
    with pytest.raises(AppError, match="has passed"):
        save(world, scheduled_at=timezone.now() - timedelta(hours=1))
    with pytest.raises(AppError, match="ends before it starts"):
        save(
            world,
            followed_from=datetime(2025, 2, 1).date(),
            followed_until=datetime(2025, 1, 1).date(),
        )
    with pytest.raises(AppError, match="radius"):
        save(world, location_kind="circle", latitude=30.0, longitude=120.0, radius_m=0)

    nobody = save(world, languages=["fr"])
    with pytest.raises(AppError, match="resolves to nobody"):
        actions.check_submit(broadcast=nobody, actor=world["bob"])
    nobody.refresh_from_db()
    assert nobody.review_status == ReviewStatus.DRAFT
    no_criteria = save(world)
    with pytest.raises(AppError, match="at least one criterion"):
        actions.check_submit(broadcast=no_criteria, actor=world["bob"])
    assert not ApiCall.objects.exists()
    assert not Broadcast.objects.exclude(state=SendState.WAITING).exists()


def test_a_schedule_that_passed_during_review_is_refused_at_the_final_approval(world):
    police = world["police"]
    add_followers(police, 2, prefix="oLate")
    broadcast = save(world, audience_kind="all", scheduled_at=timezone.now() + timedelta(minutes=5))
    actions.check_submit(broadcast=broadcast, actor=world["bob"])
    actions.check_approve_broadcast(broadcast=broadcast, actor=world["rita"])
    Broadcast.objects.filter(pk=broadcast.pk).update(
        scheduled_at=timezone.now() - timedelta(hours=1)
    )
    broadcast.refresh_from_db()
    with pytest.raises(AppError, match="has passed"):
        actions.check_approve_broadcast(broadcast=broadcast, actor=world["alice"])
    broadcast.refresh_from_db()
    assert broadcast.review_status == ReviewStatus.FINAL_REVIEW
    assert broadcast.state == SendState.WAITING
    assert not ApiCall.objects.exists()


# --- 三审 -------------------------------------------------------------------------------------
def test_review_refuses_self_approval_and_a_single_reviewer(world, django_user_model):
    police = world["police"]
    add_followers(police, 2, prefix="oRev")
    alice = world["alice"]
    own = actions.check_save_broadcast(
        account=police,
        data={"title": "自审", "message_type": "text", "text": "x", "audience_kind": "all"},
        actor=alice,
    )
    actions.check_submit(broadcast=own, actor=alice)
    with pytest.raises(AppError) as refused:
        actions.check_approve_broadcast(broadcast=own, actor=alice)
    assert refused.value.code == "own_item"

    broadcast = save(world, audience_kind="all")
    actions.check_submit(broadcast=broadcast, actor=world["bob"])
    with pytest.raises(AppError) as editor:
        actions.check_approve_broadcast(broadcast=broadcast, actor=world["bob"])
    assert editor.value.code == "own_item"
    with pytest.raises(AppError) as carol:
        actions.check_approve_broadcast(broadcast=broadcast, actor=world["carol"])
    assert carol.value.status == 403
    actions.check_approve_broadcast(broadcast=broadcast, actor=alice)  # first review
    with pytest.raises(AppError) as same:
        actions.check_approve_broadcast(broadcast=broadcast, actor=alice)
    assert same.value.code == "same_reviewer"
    broadcast.refresh_from_db()
    assert broadcast.review_status == ReviewStatus.FINAL_REVIEW
    assert broadcast.state == SendState.WAITING


def test_a_returned_broadcast_is_editable_again(world):
    police = world["police"]
    add_followers(police, 2, prefix="oBack")
    broadcast = save(world, audience_kind="all")
    actions.check_submit(broadcast=broadcast, actor=world["bob"])
    actions.check_return_broadcast(broadcast=broadcast, actor=world["rita"], reason="措辞需修改")
    broadcast.refresh_from_db()
    assert broadcast.is_editable and broadcast.review_note == "措辞需修改"
    actions.check_save_broadcast(
        account=police,
        data={"title": "通知", "message_type": "text", "text": "新措辞", "audience_kind": "all"},
        actor=world["bob"],
        broadcast=broadcast,
    )
