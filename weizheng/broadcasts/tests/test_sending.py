"""Sending through the mock platform over HTTP: review, chunks exactly once, 45065 as "already
sent", 45009 pausing the lane, MASSSENDJOBFINISH results, cancel and delete."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from weizheng.broadcasts import actions
from weizheng.broadcasts.models import (
    Broadcast,
    BroadcastChunk,
    BroadcastLane,
    ChunkState,
    MonthlyReach,
    SendState,
)
from weizheng.broadcasts.selectors import audience_summary, progress, results_of
from weizheng.core.errors import AppError
from weizheng.core.models import AuditLog
from weizheng.core.review import ReviewStatus
from weizheng.wechat.models import ApiCall
from weizheng.wechat_mock import actions as mock
from weizheng.wechat_mock.models import Channel, MockDelivered, MockMassJob

from .conftest import add_followers

pytestmark = pytest.mark.django_db(transaction=True)
TEXT = "【平安市公安局】今晚 20:00 至 24:00 人民路施工，请绕行。"


def draft(world, **data):
    values = {"title": "施工通知", "message_type": "text", "text": TEXT, "audience_kind": "all"}
    values.update(data)
    return actions.check_save_broadcast(account=world["police"], data=values, actor=world["bob"])


def approve(world, broadcast):
    actions.check_submit(broadcast=broadcast, actor=world["bob"])
    actions.check_approve_broadcast(broadcast=broadcast, actor=world["rita"])
    return actions.check_approve_broadcast(broadcast=broadcast, actor=world["alice"])


def mass_openids(account):
    return list(
        MockDelivered.objects.filter(app__appid=account.app_id, channel=Channel.MASS).values_list(
            "openid", flat=True
        )
    )


def test_a_segment_goes_in_chunks_once_each_and_results_add_up(mock_world, settings):
    settings.WECHAT_MOCK_SYNC_CALLBACKS = True
    settings.WEIZHENG_BROADCAST_CHUNK_SIZE = 4
    police = mock_world["police"]
    followers = add_followers(police, 10, on_mock=True, prefix="oSeg")
    add_followers(police, 3, on_mock=True, prefix="oOther", language="en")
    broadcast = draft(mock_world, audience_kind="segment", languages=["zh_CN"])

    broadcast = approve(mock_world, broadcast)

    assert broadcast.state == SendState.SENT
    sizes = list(broadcast.chunks.order_by("number").values_list("size", flat=True))
    assert sizes == [4, 4, 2]  # ceil(10 / 3) each, the rest last
    assert sorted(mass_openids(police)) == sorted(f.openid for f in followers)
    jobs = MockMassJob.objects.order_by("id")
    token = broadcast.send_token
    assert len(token) == 8 and int(token, 16) >= 0
    assert [j.clientmsgid for j in jobs] == [
        f"{token}-{broadcast.pk}-0",
        f"{token}-{broadcast.pk}-1",
        f"{token}-{broadcast.pk}-2",
    ]
    assert results_of(broadcast) == {
        "total": 10,
        "filtered": 10,
        "sent": 10,
        "errors": 0,
        "reported_chunks": 3,
    }
    assert progress(broadcast)["percent"] == 100
    assert MonthlyReach.objects.filter(count=1).count() == 10
    assert AuditLog.objects.filter(action="broadcasts.sent", target_id=str(broadcast.pk)).exists()


def test_all_followers_is_one_sendall_and_counts_the_month(mock_world, settings):
    settings.WECHAT_MOCK_SYNC_CALLBACKS = True
    police = mock_world["police"]
    add_followers(police, 5, on_mock=True, prefix="oAll")
    broadcast = approve(mock_world, draft(mock_world))
    assert broadcast.state == SendState.SENT
    chunk = broadcast.chunks.get()
    assert chunk.is_to_all and chunk.msg_id
    assert len(mass_openids(police)) == 5
    assert ApiCall.objects.filter(api="message/mass/sendall").count() == 1
    assert MonthlyReach.objects.filter(count=1).count() == 5
    assert results_of(broadcast)["sent"] == 5


def test_a_chunk_left_sending_by_a_dead_worker_is_resent_with_its_clientmsgid(mock_world, settings):
    """The worker sent chunk 0 and died before writing it down: the resend gets 45065, counts
    as sent, and nobody gets the message twice."""
    settings.WECHAT_MOCK_SYNC_CALLBACKS = True
    settings.WEIZHENG_BROADCAST_CHUNK_SIZE = 3
    settings.WEIZHENG_BROADCAST_LEASE_SECONDS = 5
    police = mock_world["police"]
    followers = add_followers(police, 6, on_mock=True, prefix="oCrash")
    broadcast = draft(mock_world, audience_kind="segment", languages=["zh_CN"])
    actions.check_submit(broadcast=broadcast, actor=mock_world["bob"])
    actions.check_approve_broadcast(broadcast=broadcast, actor=mock_world["rita"])
    # Approve without the sender running, then play the crash by hand.
    Broadcast.objects.filter(pk=broadcast.pk).update(
        review_status=ReviewStatus.APPROVED, state=SendState.SENDING, send_started_at=timezone.now()
    )
    broadcast.refresh_from_db()
    actions.plan_chunks(broadcast)
    first = broadcast.chunks.get(number=0)
    first_job = mock.do_mass_send(
        mock.selectors.get_app(police.app_id),
        body={
            **actions.message_body(broadcast),
            "touser": first.openids.split("\n"),
            "clientmsgid": first.clientmsgid,
        },
    )
    stale = timezone.now() - timedelta(seconds=30)
    BroadcastChunk.objects.filter(pk=first.pk).update(
        state=ChunkState.SENDING, claim_token="dead", claimed_at=stale, attempts=1
    )

    assert actions.dispatch_broadcast(broadcast_id=broadcast.pk) == "finished"

    first.refresh_from_db()
    assert first.state == ChunkState.SENT and first.was_repeat
    # The 45065 answer named the earlier job, so its MASSSENDJOBFINISH result is matched.
    assert first.msg_id == str(first_job.msg_id)
    assert sorted(mass_openids(police)) == sorted(f.openid for f in followers)
    assert MockMassJob.objects.count() == 2
    broadcast.refresh_from_db()
    assert broadcast.state == SendState.SENT
    # Each follower counted once for the month, the resent chunk included.
    assert set(MonthlyReach.objects.values_list("count", flat=True)) == {1}


def test_a_fresh_claim_is_left_to_its_sender(mock_world, settings):
    settings.WEIZHENG_BROADCAST_CHUNK_SIZE = 3
    police = mock_world["police"]
    add_followers(police, 3, on_mock=True, prefix="oFresh")
    broadcast = draft(mock_world, audience_kind="segment", languages=["zh_CN"])
    Broadcast.objects.filter(pk=broadcast.pk).update(
        review_status=ReviewStatus.APPROVED, state=SendState.SENDING
    )
    broadcast.refresh_from_db()
    actions.plan_chunks(broadcast)
    BroadcastChunk.objects.filter(broadcast=broadcast).update(
        state=ChunkState.SENDING, claim_token="alive", claimed_at=timezone.now()
    )
    assert actions._claim_next_chunk(broadcast) is None


def test_quota_45009_pauses_the_lane_until_resumed(mock_world, settings):
    settings.WECHAT_MOCK_SYNC_CALLBACKS = True
    settings.WEIZHENG_BROADCAST_CHUNK_SIZE = 2
    police = mock_world["police"]
    add_followers(police, 6, on_mock=True, prefix="oQuota")
    app = mock.selectors.get_app(police.app_id)
    app.quota_limits = {"mass_send": 2}
    app.save(update_fields=["quota_limits"])

    broadcast = approve(mock_world, draft(mock_world, audience_kind="segment", languages=["zh_CN"]))

    assert broadcast.state == SendState.PAUSED
    assert "45009" in broadcast.last_error
    lane = BroadcastLane.objects.get(account=police)
    assert lane.is_paused and lane.errcode == 45009
    assert list(broadcast.chunks.order_by("number").values_list("state", flat=True)) == [
        "sent",
        "sent",
        "pending",
    ]
    # One refused call, no retry.
    assert ApiCall.objects.filter(api="message/mass/send", errcode=45009).count() == 1
    assert len(mass_openids(police)) == 4

    mock.clear_quota(app)
    assert actions.do_resume_lane(account=police, actor=mock_world["alice"]) == 1
    broadcast.refresh_from_db()
    assert broadcast.state == SendState.SENT
    assert len(mass_openids(police)) == 6
    assert not BroadcastLane.objects.get(account=police).is_paused
    assert AuditLog.objects.filter(action="broadcasts.lane_resumed").exists()


def test_a_paused_lane_holds_back_other_broadcasts(mock_world, settings):
    police = mock_world["police"]
    add_followers(police, 3, on_mock=True, prefix="oHeld")
    BroadcastLane.objects.create(account=police, is_paused=True, errcode=45009)
    broadcast = approve(mock_world, draft(mock_world))
    assert broadcast.state == SendState.PAUSED
    assert not ApiCall.objects.filter(api__startswith="message/mass").exists()


def test_a_refusal_stops_the_broadcast_with_the_reason(mock_world, settings):
    police = mock_world["police"]
    add_followers(police, 3, on_mock=True, prefix="oRefuse")
    mock.inject_fault(
        app=police.app_id, api="/cgi-bin/message/mass/sendall", kind="errcode", value=40007
    )
    broadcast = approve(mock_world, draft(mock_world))
    assert broadcast.state == SendState.FAILED
    assert "40007" in broadcast.last_error
    assert broadcast.chunks.get().state == ChunkState.FAILED


def test_preview_to_a_follower_and_to_a_wechat_id(mock_world):
    police = mock_world["police"]
    phone = mock.create_user(police.app_id, nickname="王警官", wechat_id="wang_police")
    add_followers(police, 0)
    from weizheng.followers.models import Follower

    Follower.objects.create(account=police, openid=phone.openid, is_subscribed=True)
    broadcast = draft(mock_world)
    actions.check_preview(broadcast=broadcast, actor=mock_world["bob"], openid=phone.openid)
    actions.check_preview(broadcast=broadcast, actor=mock_world["bob"], wechat_id="wang_police")
    previews = MockDelivered.objects.filter(channel=Channel.PREVIEW, openid=phone.openid)
    assert previews.count() == 2
    assert previews.first().payload["text"]["content"] == TEXT
    audits = AuditLog.objects.filter(action="broadcasts.preview").order_by("pk")
    assert audits.count() == 2
    # The audit row names the follower by id and the OpenID masked, never in full.
    follower = Follower.objects.get(account=police, openid=phone.openid)
    to_follower, to_wechat_id = (a.detail for a in audits)
    assert to_follower == {
        "to": f"{phone.openid[:3]}****{phone.openid[-4:]}",
        "follower": follower.pk,
    }
    assert to_wechat_id["follower"] is None and to_wechat_id["to"] != "wang_police"
    assert not AuditLog.objects.filter(detail__icontains=phone.openid).exists()
    with pytest.raises(AppError, match="No follower"):
        actions.check_preview(broadcast=broadcast, actor=mock_world["bob"], openid="oNobody123")


def test_cancel_before_it_goes_and_delete_after(mock_world, settings):
    settings.WECHAT_MOCK_SYNC_CALLBACKS = True
    police = mock_world["police"]
    add_followers(police, 3, on_mock=True, prefix="oDel")
    later = draft(mock_world, scheduled_at=timezone.now() + timedelta(hours=2))
    later = approve(mock_world, later)
    assert later.state == SendState.SCHEDULED
    actions.do_cancel_broadcast(broadcast=later, actor=mock_world["alice"])
    assert actions.dispatch_due(now=timezone.now() + timedelta(hours=3)) == []
    assert not ApiCall.objects.filter(api__startswith="message/mass").exists()

    sent = approve(mock_world, draft(mock_world, title="第二条"))
    assert sent.state == SendState.SENT
    assert actions.check_delete_broadcast(broadcast=sent, actor=mock_world["alice"]) == 1
    sent.refresh_from_db()
    assert sent.state == SendState.DELETED
    assert MockMassJob.objects.get(msg_id=int(sent.chunks.get().msg_id)).is_deleted


def test_a_scheduled_broadcast_goes_when_due(mock_world, settings):
    police = mock_world["police"]
    add_followers(police, 2, on_mock=True, prefix="oDue")
    broadcast = approve(
        mock_world, draft(mock_world, scheduled_at=timezone.now() + timedelta(minutes=30))
    )
    assert broadcast.state == SendState.SCHEDULED
    assert actions.dispatch_due() == []
    assert actions.dispatch_due(now=timezone.now() + timedelta(minutes=31)) == [broadcast.pk]
    # The immediate backend ran it; _start still refuses a broadcast before its time.
    broadcast.refresh_from_db()
    assert broadcast.state == SendState.SCHEDULED
    Broadcast.objects.filter(pk=broadcast.pk).update(scheduled_at=timezone.now())
    actions.dispatch_due()
    broadcast.refresh_from_db()
    assert broadcast.state == SendState.SENT


def test_quota_summary_counts_followers_at_four_this_month(mock_world):
    police = mock_world["police"]
    followers = add_followers(police, 5, prefix="oMonth")
    from weizheng.broadcasts.selectors import current_month

    MonthlyReach.objects.bulk_create(
        [MonthlyReach(follower=f, month=current_month(), count=4) for f in followers[:2]]
        + [MonthlyReach(follower=followers[2], month=current_month(), count=3)]
        + [MonthlyReach(follower=followers[3], month=current_month().replace(year=2000), count=9)]
    )
    broadcast = draft(mock_world)
    assert audience_summary(broadcast) == {"count": 5, "at_limit": 2, "reachable": 3}
