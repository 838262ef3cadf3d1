"""Reads of the followers app."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from weizheng.wechat.models import InboundMessage, OfficialAccount

from .models import Follower

# What opens WeChat's 48-hour customer-service window: a message, a follow, a QR scan, and the
# menu clicks that push an event (click, scancode_push, scancode_waitmsg). Not VIEW, not LOCATION.
WINDOW_KINDS = (
    "text",
    "image",
    "voice",
    "video",
    "shortvideo",
    "location",
    "link",
    "event:subscribe",
    "event:scan",
    "event:click",
    "event:scancode_push",
    "event:scancode_waitmsg",
)
SERVICE_WINDOW = timedelta(hours=48)


def last_window_interaction(*, account: OfficialAccount, openid: str) -> datetime | None:
    """When the follower last did something that opens the customer-service window."""
    return (
        InboundMessage.objects.filter(account=account, openid=openid, kind__in=WINDOW_KINDS)
        .order_by("-received_at")
        .values_list("received_at", flat=True)
        .first()
    )


def is_service_window_open(
    *, account: OfficialAccount, openid: str, now: datetime | None = None
) -> bool:
    """Whether a customer-service message may be sent (else a template message is needed).

    Closed for someone who unfollowed since: WeChat refuses every message to a non-follower."""
    last = last_window_interaction(account=account, openid=openid)
    if last is None or (now or timezone.now()) - last >= SERVICE_WINDOW:
        return False
    # Nothing opens the window again but a new follow, which marks the follower subscribed.
    return not Follower.objects.filter(
        account=account, openid=openid, is_subscribed=False, subscribe_count__gt=0
    ).exists()


def follower_counts(*, account: OfficialAccount) -> dict[str, int]:
    """Following now, ever followed, and those who left."""
    totals = Follower.objects.filter(account=account, subscribe_count__gt=0).aggregate(
        following=Count("pk", filter=Q(is_subscribed=True)),
        ever=Count("pk"),
        left=Count("pk", filter=Q(is_subscribed=False)),
    )
    return {key: int(value or 0) for key, value in totals.items()}


def follower_timeline(*, account: OfficialAccount, openid: str, limit: int = 200) -> QuerySet:
    """The follower's interactions, newest first, from the interaction log."""
    return InboundMessage.objects.filter(account=account, openid=openid).order_by(
        "-received_at", "-pk"
    )[:limit]


_BLACKLIST_TTL_SECONDS = 10.0
_blacklists: dict[int, tuple[float, frozenset[str]]] = {}


def is_blacklisted(*, account_id: int, openid: str) -> bool:
    """Read on every message, so cached in-process for a few seconds (a change applies within
    the TTL everywhere, and at once in the process that made it)."""
    now = time.monotonic()
    hit = _blacklists.get(account_id)
    if hit is None or hit[0] < now:
        openids = frozenset(
            Follower.objects.filter(account_id=account_id, is_blacklisted=True).values_list(
                "openid", flat=True
            )
        )
        hit = (now + _BLACKLIST_TTL_SECONDS, openids)
        _blacklists[account_id] = hit
    return openid in hit[1]


def forget_blacklist(account_id: int) -> None:
    _blacklists.pop(account_id, None)


def followers_for_staff(
    *, account: OfficialAccount, query: str = "", state: str = "", tag_id: int | None = None
) -> QuerySet[Follower]:
    """The account's followers for the back-office list, newest follow first.

    `state`: "following", "left" or "blacklisted"; `query` matches an OpenID or the remark."""
    followers = Follower.objects.filter(account=account).prefetch_related("tags")
    if state == "following":
        followers = followers.filter(is_subscribed=True)
    elif state == "left":
        followers = followers.filter(is_subscribed=False, subscribe_count__gt=0)
    elif state == "blacklisted":
        followers = followers.filter(is_blacklisted=True)
    if query:
        followers = followers.filter(Q(openid__icontains=query) | Q(remark__icontains=query))
    if tag_id is not None:
        followers = followers.filter(tags__pk=tag_id)
    return followers.order_by("-last_subscribed_at", "-pk")


def access_follower(*, account: OfficialAccount, follower_id: Any) -> Follower:
    """A follower of this account (404 for any other id, so ids of other accounts say nothing)."""
    follower = Follower.objects.filter(account=account, pk=follower_id).first()
    if follower is None:
        raise Http404("No such follower.")
    return follower


def timeline_summary(message: InboundMessage) -> str:
    """One line a clerk can read: what the follower said or did."""
    fields = message.fields or {}
    for name in ("content", "recognition", "label", "poiname", "title", "url", "scene", "key"):
        value = fields.get(name)
        if value:
            return str(value)[:200]
    if fields.get("latitude") is not None:
        return f"{fields.get('latitude')}, {fields.get('longitude')}"
    return message.event_key
