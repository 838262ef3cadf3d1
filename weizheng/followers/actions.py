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


# --- tags, kept in step with WeChat's tag API ------------------------------------------------------
TAG_NAME_MAX_BYTES = 30
TAGS_PER_ACCOUNT = 100
TAGGING_BATCH = 50  # WeChat tags at most 50 openids a call


def _check_tag_name(account: OfficialAccount, name: str, *, exclude_pk: int | None = None) -> str:
    from django.utils.translation import gettext as _

    from weizheng.core.errors import AppError

    name = name.strip()
    if not name:
        raise AppError("tag_name_empty", _("A tag needs a name."))
    if len(name.encode("utf-8")) > TAG_NAME_MAX_BYTES:
        raise AppError(
            "tag_name_too_long",
            _("A tag name is limited to %(limit)d bytes (10 Chinese characters).")
            % {"limit": TAG_NAME_MAX_BYTES},
        )
    same = FollowerTag.objects.filter(account=account, name=name).exclude(pk=exclude_pk)
    if same.exists():
        raise AppError(
            "tag_name_taken", _("The account already has a tag called %(name)s.") % {"name": name}
        )
    return name


def _wechat_refusal(exc: Exception) -> Any:
    from django.utils.translation import gettext as _

    from weizheng.core.errors import AppError

    return AppError("wechat_refused", _("WeChat refused the change: %(reason)s") % {"reason": exc})


def do_create_tag(*, account: OfficialAccount, name: str, actor: Any) -> FollowerTag:
    """Create the tag on WeChat first, then here (WeChat assigns the id)."""
    from django.utils.translation import gettext as _

    from weizheng.core.errors import AppError
    from weizheng.wechat.client import client_for
    from weizheng.wechat.errors import WeChatError

    name = _check_tag_name(account, name)
    if FollowerTag.objects.filter(account=account).count() >= TAGS_PER_ACCOUNT:
        raise AppError("too_many_tags", _("An account can have at most 100 tags."))
    try:
        created = client_for(account).tag.create(name)
    except WeChatError as exc:
        raise _wechat_refusal(exc) from exc
    with transaction.atomic():
        tag = FollowerTag.objects.create(account=account, name=name, wechat_id=int(created["id"]))
        do_audit(
            action="followers.tag.create",
            actor=actor,
            account=account,
            target=tag,
            detail={"name": name},
        )
    return tag


def do_rename_tag(*, tag: FollowerTag, name: str, actor: Any) -> FollowerTag:
    from weizheng.wechat.client import client_for
    from weizheng.wechat.errors import WeChatError

    name = _check_tag_name(tag.account, name, exclude_pk=tag.pk)
    try:
        client_for(tag.account).tag.update(tag.wechat_id, name)
    except WeChatError as exc:
        raise _wechat_refusal(exc) from exc
    with transaction.atomic():
        old = tag.name
        tag.name = name
        tag.save(update_fields=["name"])
        do_audit(
            action="followers.tag.rename",
            actor=actor,
            account=tag.account,
            target=tag,
            detail={"from": old, "to": name},
        )
    return tag


def do_delete_tag(*, tag: FollowerTag, actor: Any) -> None:
    from weizheng.wechat.client import client_for
    from weizheng.wechat.errors import WeChatError

    try:
        client_for(tag.account).tag.delete(tag.wechat_id)
    except WeChatError as exc:
        raise _wechat_refusal(exc) from exc
    with transaction.atomic():
        do_audit(
            action="followers.tag.delete",
            actor=actor,
            account=tag.account,
            target=tag,
            detail={"name": tag.name},
        )
        tag.delete()


def do_tag_followers(
    *, tag: FollowerTag, followers: list[Follower], actor: Any, remove: bool = False
) -> int:
    """Tag (or untag) followers on WeChat, 50 at a time, and here after each accepted batch."""
    from weizheng.wechat.client import client_for
    from weizheng.wechat.errors import WeChatError

    client = client_for(tag.account)
    done = 0
    for start in range(0, len(followers), TAGGING_BATCH):
        batch = followers[start : start + TAGGING_BATCH]
        openids = [f.openid for f in batch]
        try:
            if remove:
                client.tag.untag_user(tag.wechat_id, openids)
            else:
                client.tag.tag_user(tag.wechat_id, openids)
        except WeChatError as exc:
            raise _wechat_refusal(exc) from exc
        with transaction.atomic():
            if remove:
                tag.followers.remove(*batch)
            else:
                tag.followers.add(*batch)
            do_audit(
                action="followers.tag.untag" if remove else "followers.tag.tag",
                actor=actor,
                account=tag.account,
                target=tag,
                detail={"openids": openids},
            )
        done += len(batch)
    return done


def do_pull_tags(*, account: OfficialAccount, actor: Any = None) -> int:
    """Bring the tag list in from WeChat (tags made in the console before the platform)."""
    from weizheng.wechat.client import client_for

    tags = client_for(account).tag.get()
    count = 0
    with transaction.atomic():
        for item in tags:
            tag_id, name = int(item["id"]), str(item["name"])[:30]
            if tag_id <= 2:
                continue  # WeChat's reserved tags
            FollowerTag.objects.update_or_create(
                account=account, wechat_id=tag_id, defaults={"name": name}
            )
            count += 1
        do_audit(action="followers.tag.pull", actor=actor, account=account, detail={"tags": count})
    return count
