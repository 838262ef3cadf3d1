"""Writes of the followers app: the follow lifecycle, locations, profile sync, blacklist."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from weizheng.core.actions import do_audit
from weizheng.wechat.models import OfficialAccount

from .models import Follower, FollowerLocation, FollowerTag, LocationSource


def _locked_follower(account: OfficialAccount, openid: str) -> tuple[Follower, bool]:
    """The follower row locked for update, created on first sight. Call inside a transaction."""
    follower = Follower.objects.select_for_update().filter(account=account, openid=openid).first()
    if follower is not None:
        return follower, False
    try:
        with transaction.atomic():
            return Follower.objects.create(account=account, openid=openid), True
    except IntegrityError:  # created meanwhile by a concurrent event of the same follower
        return Follower.objects.select_for_update().get(account=account, openid=openid), False


def do_record_subscribe(
    *, account: OfficialAccount, openid: str, at: datetime, scene: str | None = None
) -> Follower:
    """A follow (first or again), with the QR scene it came through, if any."""
    with transaction.atomic():
        follower, _created = _locked_follower(account, openid)
        if follower.last_unsubscribed_at and at < follower.last_unsubscribed_at:
            return follower  # an old event delivered late: the unfollow after it stands
        if not follower.is_subscribed or follower.last_subscribed_at is None:
            follower.subscribe_count += 1
        follower.is_subscribed = True
        follower.first_subscribed_at = follower.first_subscribed_at or at
        follower.last_subscribed_at = at
        follower.last_scene = scene or ""
        if follower.subscribe_count == 1 and scene:
            follower.first_scene = scene
        follower.save()
    transaction.on_commit(lambda: _queue_profile_sync(account.pk, openid))
    return follower


def do_record_unsubscribe(*, account: OfficialAccount, openid: str, at: datetime) -> Follower:
    with transaction.atomic():
        follower, _created = _locked_follower(account, openid)
        if follower.last_subscribed_at and at < follower.last_subscribed_at:
            return follower
        follower.is_subscribed = False
        follower.last_unsubscribed_at = at
        follower.save(update_fields=["is_subscribed", "last_unsubscribed_at", "updated_at"])
    return follower


def do_ensure_follower(*, account: OfficialAccount, openid: str, at: datetime) -> Follower:
    """Someone who interacts follows the account, even if we missed their subscribe event
    (the platform was connected after they followed)."""
    follower = Follower.objects.filter(account=account, openid=openid).first()
    if follower is not None:
        return follower
    with transaction.atomic():
        follower, created = _locked_follower(account, openid)
        if created:
            follower.is_subscribed = True
            follower.save(update_fields=["is_subscribed", "updated_at"])
    if created:
        transaction.on_commit(lambda: _queue_profile_sync(account.pk, openid))
    return follower


def do_record_location(
    *,
    account: OfficialAccount,
    openid: str,
    latitude: float,
    longitude: float,
    at: datetime,
    source: str = LocationSource.EVENT,
    precision: float | None = None,
    label: str = "",
) -> FollowerLocation:
    """Keep the location in the follower's history and as their last known place."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError("A location needs a latitude within ±90 and a longitude within ±180.")
    with transaction.atomic():
        follower, _created = _locked_follower(account, openid)
        point = FollowerLocation.objects.create(
            account=account,
            follower=follower,
            latitude=latitude,
            longitude=longitude,
            precision=precision,
            label=label[:200],
            source=source,
            recorded_at=at,
        )
        if follower.last_located_at is None or at >= follower.last_located_at:
            follower.last_latitude, follower.last_longitude = latitude, longitude
            follower.last_location_precision = precision
            follower.last_located_at = at
            follower.save(
                update_fields=[
                    "last_latitude",
                    "last_longitude",
                    "last_location_precision",
                    "last_located_at",
                    "updated_at",
                ]
            )
    return point


def do_set_blacklisted(
    *, follower: Follower, is_blacklisted: bool, actor: Any, reason: str = ""
) -> Follower:
    """Blacklist or restore a follower; their messages are still logged, never answered."""
    with transaction.atomic():
        follower.is_blacklisted = is_blacklisted
        follower.save(update_fields=["is_blacklisted", "updated_at"])
        do_audit(
            action="followers.blacklist" if is_blacklisted else "followers.unblacklist",
            actor=actor,
            account=follower.account,
            target=follower,
            detail={"openid": follower.openid, "reason": reason},
        )
    from .selectors import forget_blacklist

    forget_blacklist(follower.account_id)
    return follower


def do_sync_profile(*, account: OfficialAccount, openid: str) -> Follower | None:
    """Refresh language, follow source, remark, UnionID and tags from WeChat's user info."""
    from weizheng.wechat.client import client_for

    info = client_for(account).user.get(openid)
    with transaction.atomic():
        follower, _created = _locked_follower(account, openid)
        if not info.get("subscribe"):
            follower.is_subscribed = False
        follower.language = str(info.get("language", ""))[:16]
        follower.subscribe_source = str(info.get("subscribe_scene", ""))[:40]
        follower.remark = str(info.get("remark", ""))[:30]
        follower.unionid = str(info.get("unionid", ""))[:64]
        follower.profile_synced_at = timezone.now()
        follower.save()
        tag_ids = [int(t) for t in info.get("tagid_list", [])]
        follower.tags.set(FollowerTag.objects.filter(account=account, wechat_id__in=tag_ids))
    return follower


def _queue_profile_sync(account_id: int, openid: str) -> None:
    from .tasks import sync_follower_profile

    sync_follower_profile.enqueue(account_id=account_id, openid=openid)
