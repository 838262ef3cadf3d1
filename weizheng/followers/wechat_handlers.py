"""Keep followers up to date from the callback: follows, unfollows, scans, locations."""

from __future__ import annotations

from datetime import UTC, datetime

from weizheng.wechat.router import HandlerContext, router

from .actions import (
    do_ensure_follower,
    do_record_location,
    do_record_subscribe,
    do_record_unsubscribe,
)
from .models import LocationSource
from .selectors import is_blacklisted


def _event_time(ctx: HandlerContext) -> datetime:
    return datetime.fromtimestamp(ctx.message.create_time, tz=UTC)


@router.observe("event:subscribe", priority=10)
def followed(ctx: HandlerContext) -> None:
    do_record_subscribe(
        account=ctx.account, openid=ctx.openid, at=_event_time(ctx), scene=ctx.message.scene
    )


@router.observe("event:unsubscribe", priority=10)
def unfollowed(ctx: HandlerContext) -> None:
    do_record_unsubscribe(account=ctx.account, openid=ctx.openid, at=_event_time(ctx))


@router.observe("event:scan", priority=10)
def scanned(ctx: HandlerContext) -> None:
    do_ensure_follower(account=ctx.account, openid=ctx.openid, at=_event_time(ctx))


def _record_location(ctx: HandlerContext, source: str) -> None:
    message = ctx.message
    do_record_location(
        account=ctx.account,
        openid=ctx.openid,
        latitude=message.latitude,
        longitude=message.longitude,
        precision=getattr(message, "precision", None),
        label=getattr(message, "label", ""),
        at=_event_time(ctx),
        source=source,
    )


@router.observe("event:location", priority=10)
def reported_location(ctx: HandlerContext) -> None:
    _record_location(ctx, LocationSource.EVENT)


@router.observe("location", priority=10)
def sent_location(ctx: HandlerContext) -> None:
    _record_location(ctx, LocationSource.MESSAGE)


@router.observe("event:location_select", priority=10)
def chose_location(ctx: HandlerContext) -> None:
    _record_location(ctx, LocationSource.MENU)


@router.guard
def blacklisted(ctx: HandlerContext) -> bool:
    """A blacklisted follower's messages are logged (the interaction log) and not answered."""
    return is_blacklisted(account_id=ctx.account.pk, openid=ctx.openid)
