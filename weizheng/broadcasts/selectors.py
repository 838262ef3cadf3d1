"""Reads of the broadcasts app: audiences, the quota picture, progress and results."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any

from django.db.models import Count, Exists, F, FloatField, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.expressions import ExpressionWrapper
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from weizheng.content.models import Item, MediaAsset, Publication
from weizheng.core.review import ReviewStatus
from weizheng.followers.models import Follower
from weizheng.staff.selectors import can
from weizheng.wechat.models import OfficialAccount

from .models import (
    AudienceKind,
    Broadcast,
    BroadcastChunk,
    BroadcastLane,
    BroadcastListEntry,
    ChunkState,
    LocationKind,
    MassResult,
    MonthlyReach,
    SendState,
)

# WeChat lets a service account reach each follower this often per calendar month.
MASS_PER_FOLLOWER_PER_MONTH = 4
METRES_PER_DEGREE = 111_320.0
# Rows read per query while walking an audience (keyset pages on the primary key).
PAGE_SIZE = 10_000
# A broadcast in these states has not entirely gone out: it can still be cancelled.
CANCELLABLE_STATES = (SendState.WAITING, SendState.SCHEDULED, SendState.SENDING, SendState.PAUSED)


# --- access ---------------------------------------------------------------------------------
def access_broadcast(*, account: OfficialAccount, broadcast_id: Any) -> Broadcast:
    """The account's broadcast, or 404 (another account's id says nothing)."""
    try:
        return Broadcast.objects.get(account=account, pk=int(broadcast_id))
    except (Broadcast.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc


def broadcasts_of(*, account: OfficialAccount) -> QuerySet[Broadcast]:
    return Broadcast.objects.filter(account=account).select_related("author")


def lane_of(*, account: OfficialAccount) -> BroadcastLane | None:
    return BroadcastLane.objects.filter(account=account).first()


def is_lane_paused(*, account_id: int) -> bool:
    return BroadcastLane.objects.filter(account_id=account_id, is_paused=True).exists()


# --- what the review card offers -----------------------------------------------------------
def review_offer(broadcast: Broadcast, user: Any) -> dict[str, Any]:
    """The review steps `user` can take on the broadcast now, made with the checks of
    core.review.check_approve and check_return, so the page offers no button that would only be
    refused: the author never approves, the final approval needs broadcasts.approve and someone
    other than the first reviewer. `note` says why approving is not offered."""
    from .actions import POLICY

    status = broadcast.review_status
    offer: dict[str, Any] = {"can_approve": False, "can_return": False, "note": ""}
    if broadcast.state == SendState.CANCELLED or status not in (
        ReviewStatus.FIRST_REVIEW,
        ReviewStatus.FINAL_REVIEW,
    ):
        return offer
    is_final = status == ReviewStatus.FINAL_REVIEW
    permission = POLICY.final_review_permission if is_final else POLICY.first_review_permission
    allowed = can(user, permission, broadcast.account)
    offer["can_return"] = allowed
    user_id = getattr(user, "pk", None)
    if not allowed:
        offer["note"] = (
            _("Awaiting the final approval of an administrator of this account.")
            if is_final
            else _("Awaiting the first review of a reviewer of this account.")
        )
    elif broadcast.author_id is not None and broadcast.author_id == user_id:
        offer["note"] = (
            _("You are the author: another administrator gives the final approval.")
            if is_final
            else _("You are the author: another reviewer does the first review.")
        )
    elif is_final and broadcast.first_reviewer_id == user_id:
        offer["note"] = _(
            "You gave the first review: another administrator gives the final approval."
        )
    else:
        offer["can_approve"] = True
    return offer


# --- what the composer offers to pick ------------------------------------------------------
PICKER_LIMIT = 200


def library_for_picker(*, account: OfficialAccount) -> dict[str, list[MediaAsset]]:
    """The account's library files a broadcast can take, by kind, newest first."""
    return {
        kind: list(
            MediaAsset.objects.filter(account=account, kind=kind).order_by("-created_at", "-pk")[
                :PICKER_LIMIT
            ]
        )
        for kind in ("image", "voice", "video")
    }


def articles_for_picker(*, account: OfficialAccount) -> list[Item]:
    """The account's published items, newest first: the articles a news broadcast can take."""
    return list(
        Item.objects.filter(account=account, publication=Publication.PUBLISHED)
        .select_related("cover")
        .order_by("-published_at", "-pk")[:PICKER_LIMIT]
    )


def access_library_file(*, account: OfficialAccount, media_id: Any) -> MediaAsset:
    """A file of the account's library (for the picker's thumbnails), or 404."""
    try:
        return MediaAsset.objects.get(account=account, pk=int(media_id))
    except (MediaAsset.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc


# --- months (Beijing time) ----------------------------------------------------------------
def current_month(moment: datetime | None = None) -> date:
    """The first day of the calendar month, in the project's time zone (Asia/Shanghai)."""
    return timezone.localtime(moment or timezone.now()).date().replace(day=1)


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# --- audiences ------------------------------------------------------------------------------
def audience_queryset(broadcast: Broadcast) -> QuerySet[Follower]:
    """The followers the broadcast would reach now: following, and matching every criterion
    that is set. Built as one query (no rows loaded), so it can be counted, joined or walked."""
    qs = Follower.objects.filter(account_id=broadcast.account_id, is_subscribed=True)
    if broadcast.audience_kind == AudienceKind.ALL:
        return qs
    tag_ids = list(broadcast.tags.values_list("pk", flat=True)) if broadcast.pk else []
    if tag_ids:
        through = Follower.tags.through
        qs = qs.filter(
            Exists(through.objects.filter(follower_id=OuterRef("pk"), followertag_id__in=tag_ids))
        )
    if broadcast.languages:
        qs = qs.filter(language__in=list(broadcast.languages))
    if broadcast.followed_from:
        qs = qs.filter(first_subscribed_at__gte=_local_midnight(broadcast.followed_from))
    if broadcast.followed_until:
        day_after = date.fromordinal(broadcast.followed_until.toordinal() + 1)
        qs = qs.filter(first_subscribed_at__lt=_local_midnight(day_after))
    if broadcast.first_scene:
        qs = qs.filter(first_scene=broadcast.first_scene)
    qs = qs.filter(_location_filter(broadcast))
    if broadcast.has_openid_list:
        qs = qs.filter(
            Exists(
                BroadcastListEntry.objects.filter(broadcast=broadcast, follower_id=OuterRef("pk"))
            )
        )
    return qs


def _location_filter(broadcast: Broadcast) -> Q:
    """Last known location inside a rectangle, or within a radius of a point.

    The radius test is the equirectangular approximation, written with arithmetic only so
    SQLite and PostgreSQL run it alike: (Δlat)² + (Δlng·cos φ)² ≤ (r / 111,320 m)². At city
    scale (tens of km) it is off by well under 1%. A bounding box first lets an index help.
    """
    kind = broadcast.location_kind
    if kind == LocationKind.BOX:
        return Q(
            last_latitude__gte=broadcast.south,
            last_latitude__lte=broadcast.north,
            last_longitude__gte=broadcast.west,
            last_longitude__lte=broadcast.east,
        )
    if kind == LocationKind.CIRCLE:
        lat0, lng0 = float(broadcast.latitude), float(broadcast.longitude)  # type: ignore[arg-type]
        degrees = float(broadcast.radius_m) / METRES_PER_DEGREE  # type: ignore[arg-type]
        scale = math.cos(math.radians(lat0)) or 1e-9
        box = Q(
            last_latitude__gte=lat0 - degrees,
            last_latitude__lte=lat0 + degrees,
            last_longitude__gte=lng0 - degrees / scale,
            last_longitude__lte=lng0 + degrees / scale,
        )
        d_lat = F("last_latitude") - Value(lat0)
        d_lng = (F("last_longitude") - Value(lng0)) * Value(scale)
        squared = ExpressionWrapper(d_lat * d_lat + d_lng * d_lng, output_field=FloatField())
        return box & Q(
            Exists(
                Follower.objects.filter(pk=OuterRef("pk"))
                .annotate(distance2=squared)
                .filter(distance2__lte=degrees * degrees)
            )
        )
    return Q()


def walk_audience(broadcast: Broadcast, *, page_size: int = PAGE_SIZE) -> Iterator[tuple[int, str]]:
    """(follower id, openid) of the audience in id order, one page of rows in memory at a time
    (keyset pagination: each page starts after the last id of the previous one)."""
    qs = audience_queryset(broadcast).order_by("pk").values_list("pk", "openid")
    last = 0
    while True:
        page = list(qs.filter(pk__gt=last)[:page_size])
        if not page:
            return
        yield from page
        last = page[-1][0]


def audience_summary(broadcast: Broadcast) -> dict[str, int]:
    """How many the audience holds now and how many of them already received 4 broadcasts this
    month (WeChat filters those out)."""
    audience = audience_queryset(broadcast)
    count = audience.count()
    at_limit = MonthlyReach.objects.filter(
        month=current_month(),
        count__gte=MASS_PER_FOLLOWER_PER_MONTH,
        follower_id__in=audience.values("pk"),
    ).count()
    return {"count": count, "at_limit": at_limit, "reachable": count - at_limit}


# --- progress and results -----------------------------------------------------------------
def results_of(broadcast: Broadcast) -> dict[str, int]:
    """The sums of the MASSSENDJOBFINISH results received for the broadcast's chunks."""
    msg_ids = BroadcastChunk.objects.filter(broadcast=broadcast).exclude(msg_id="")
    sums = MassResult.objects.filter(
        account_id=broadcast.account_id, msg_id__in=msg_ids.values("msg_id")
    ).aggregate(
        total=Sum("total_count"),
        filtered=Sum("filter_count"),
        sent=Sum("sent_count"),
        errors=Sum("error_count"),
    )
    reported = MassResult.objects.filter(
        account_id=broadcast.account_id, msg_id__in=msg_ids.values("msg_id")
    ).count()
    return {
        "total": sums["total"] or 0,
        "filtered": sums["filtered"] or 0,
        "sent": sums["sent"] or 0,
        "errors": sums["errors"] or 0,
        "reported_chunks": reported,
    }


def progress(broadcast: Broadcast) -> dict[str, Any]:
    """What the progress bar shows: chunks and openids by state, WeChat's results so far."""
    chunks = {state: {"chunks": 0, "openids": 0} for state in ChunkState.values}
    for row in (
        BroadcastChunk.objects.filter(broadcast=broadcast)
        .values("state")
        .annotate(n=Count("pk"), openids=Sum("size"))
    ):
        chunks[row["state"]] = {"chunks": row["n"], "openids": row["openids"] or 0}
    total = sum(c["chunks"] for c in chunks.values())
    done = chunks[ChunkState.SENT]["chunks"] + chunks[ChunkState.FAILED]["chunks"]
    lane = lane_of(account=broadcast.account)
    return {
        "id": broadcast.pk,
        "state": broadcast.state,
        "state_label": str(broadcast.get_state_display()),
        # The card's title: nothing is being sent before the approval and its time.
        "heading": pgettext("broadcast progress", "Not sent yet")
        if broadcast.state in (SendState.WAITING, SendState.SCHEDULED)
        else pgettext("broadcast progress", "Delivery"),
        "audience": broadcast.audience_count,
        "chunks_total": total,
        "chunks_done": done,
        "chunks": chunks,
        "percent": round(100 * done / total) if total else 0,
        "results": results_of(broadcast),
        "last_error": broadcast.last_error,
        "lane_paused": bool(lane and lane.is_paused),
        "is_finished": broadcast.state not in CANCELLABLE_STATES,
        "is_cancellable": broadcast.state in CANCELLABLE_STATES,
    }
