"""Everything that changes a broadcast: the draft, its audience list, 三审, preview, sending
chunk by chunk exactly once, WeChat's results, cancel and delete, the paused lane.

Sending: when a broadcast is due, `dispatch_broadcast` moves it to "sending" and writes the chunk
plan (one row per `mass/send` call, its openids included) in one transaction before any call.
Each chunk is claimed with a conditional update and sent with the deterministic clientmsgid
`<broadcast's random token>-<broadcast id>-<chunk no>`; a chunk found "sending" after a crash is
sent again with the same clientmsgid and WeChat's "already sent" answer (45065) counts as sent.
A 45009 (daily quota used up) pauses the account's lane until someone resumes it; nothing is
retried blindly.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from weizheng.content.actions import check_add_material
from weizheng.content.models import Item, MediaAsset, Publication
from weizheng.content.sanitize import sanitize_html
from weizheng.core.actions import do_audit
from weizheng.core.errors import AppError
from weizheng.core.review import (
    EDITABLE,
    ReviewPolicy,
    ReviewStatus,
    check_approve,
    check_return,
    do_submit_for_review,
)
from weizheng.followers.h5_selectors import mask_openid
from weizheng.followers.models import Follower, FollowerTag
from weizheng.search.links import public_base_url
from weizheng.staff.selectors import can
from weizheng.wechat.client import client_for
from weizheng.wechat.errors import (
    WeChatApiError,
    WeChatError,
    WeChatNetworkError,
    WeChatServerError,
)
from weizheng.wechat.models import OfficialAccount

from . import selectors, validation
from .models import (
    AudienceKind,
    Broadcast,
    BroadcastArticle,
    BroadcastChunk,
    BroadcastLane,
    BroadcastListEntry,
    ChunkState,
    LocationKind,
    MassResult,
    MessageType,
    MonthlyReach,
    SendState,
)

logger = logging.getLogger(__name__)

POLICY = ReviewPolicy(
    "broadcasts",
    submit_permission="broadcasts.edit",
    first_review_permission="broadcasts.review",
    final_review_permission="broadcasts.approve",
)
QUOTA_EXHAUSTED = 45009
CLIENTMSGID_EXISTS = 45065
# WeChat remembers a clientmsgid for 24 hours: a chunk whose first attempt is older than this is
# not sent again (it could reach its followers twice); it is marked failed for a person to see.
CLIENTMSGID_MEMORY = timedelta(hours=23)
# Resends of one chunk whose outcome stays unknown (network errors, 5xx) before it is given up.
MAX_CHUNK_ATTEMPTS = 8
# media/uploadnews and media/uploadvideo ids last 3 days: one older than this is made again
# before it is used (a preview, the final approval, the start of sending).
PREPARED_LIFETIME = timedelta(days=1)
EDITABLE_FIELDS = (
    "title",
    "message_type",
    "text",
    "media_id",
    "video_title",
    "video_description",
    "audience_kind",
    "languages",
    "followed_from",
    "followed_until",
    "first_scene",
    "location_kind",
    "location_label",
    "latitude",
    "longitude",
    "radius_m",
    "south",
    "west",
    "north",
    "east",
    "scheduled_at",
)
WECHAT_MSGTYPE = {
    MessageType.TEXT: "text",
    MessageType.IMAGE: "image",
    MessageType.VOICE: "voice",
    MessageType.VIDEO: "mpvideo",
    MessageType.NEWS: "mpnews",
}


def chunk_size() -> int:
    return int(getattr(settings, "WEIZHENG_BROADCAST_CHUNK_SIZE", validation.MAX_OPENIDS_PER_CALL))


def lease() -> timedelta:
    """How long a claimed chunk (and the sender's heartbeat) stays someone's: longer than one
    call can take with the client's retries."""
    default = settings.WECHAT_HTTP_TIMEOUT_SECONDS * (settings.WECHAT_HTTP_RETRIES + 2) + 30
    return timedelta(seconds=float(getattr(settings, "WEIZHENG_BROADCAST_LEASE_SECONDS", default)))


def _refuse(problems: list[validation.Problem], code: str = "broadcast_invalid") -> None:
    if problems:
        raise AppError(
            code, " ".join(p.message for p in problems), problems=[p.as_dict() for p in problems]
        )


# --- the draft ------------------------------------------------------------------------------
def check_save_broadcast(
    *,
    account: OfficialAccount,
    data: dict[str, Any],
    actor: Any,
    broadcast: Broadcast | None = None,
) -> Broadcast:
    """Create or change a draft (or a returned one). The message and the segment are checked
    against WeChat's limits here already; the audience size is checked on submission."""
    if broadcast is not None and broadcast.review_status not in EDITABLE:
        raise AppError(
            "not_editable",
            _("Only a draft or a broadcast returned for changes can be edited."),
            status=409,
        )
    message_type = data.get("message_type", "")
    asset, items, problems = _resolve_pick(account, data, message_type)
    problems += validation.check_message(
        message_type=message_type,
        text=data.get("text") or "",
        media_id=data.get("media_id") or "",
        asset_kind=asset.kind if asset is not None else None,
        articles=[article_facts(item) for item in items],
    )
    problems += validation.check_segment(data)
    problems += validation.check_schedule(data.get("scheduled_at"))
    if not (data.get("title") or "").strip():
        problems.insert(0, validation.Problem("title", _("Give the broadcast a title.")))
    _refuse(problems)
    tag_ids = [int(t) for t in data.get("tag_ids") or []]
    tags = list(FollowerTag.objects.filter(account=account, pk__in=tag_ids))
    if len(tags) != len(set(tag_ids)):
        _refuse([validation.Problem("tag_ids", _("A chosen tag is not one of this account's."))])
    with transaction.atomic():
        created = broadcast is None
        if broadcast is None:
            broadcast = Broadcast(account=account, author=actor if _is_user(actor) else None)
        for field in EDITABLE_FIELDS:
            if field in data:
                value = data[field]
                if field in (
                    "text",
                    "media_id",
                    "title",
                    "first_scene",
                    "location_label",
                    "video_title",
                    "video_description",
                ):
                    value = (value or "").strip() if field != "text" else (value or "")
                setattr(broadcast, field, value)
        if "media_asset" in data:
            broadcast.media_asset = asset
        if broadcast.message_type != MessageType.TEXT:
            broadcast.text = ""
        else:
            broadcast.media_id = ""
        if broadcast.message_type not in validation.ASSET_KINDS:
            broadcast.media_asset = None
        if broadcast.message_type != MessageType.VIDEO:
            broadcast.video_title = broadcast.video_description = ""
        # Whatever was made from the earlier pick may not match the new one.
        broadcast.prepared_media_id = ""
        broadcast.prepared_at = None
        if broadcast.location_kind != LocationKind.CIRCLE:
            broadcast.latitude = broadcast.longitude = broadcast.radius_m = None
        if broadcast.location_kind != LocationKind.BOX:
            broadcast.south = broadcast.west = broadcast.north = broadcast.east = None
        if not broadcast.location_kind:
            broadcast.location_label = ""
        broadcast.save()
        if "article_ids" in data or broadcast.message_type != MessageType.NEWS:
            BroadcastArticle.objects.filter(broadcast=broadcast).delete()
            if broadcast.message_type == MessageType.NEWS:
                BroadcastArticle.objects.bulk_create(
                    BroadcastArticle(broadcast=broadcast, item=item, position=position)
                    for position, item in enumerate(items)
                )
        broadcast.tags.set(tags)
        if broadcast.audience_kind == AudienceKind.ALL:
            broadcast.tags.clear()
        do_audit(
            action="broadcasts.create" if created else "broadcasts.edit",
            actor=actor,
            account=account,
            target=broadcast,
            detail={"title": broadcast.title, "type": broadcast.message_type},
        )
    return broadcast


def _resolve_pick(
    account: OfficialAccount, data: dict[str, Any], message_type: str
) -> tuple[MediaAsset | None, list[Item], list[validation.Problem]]:
    """The picked library file and articles, as this account's rows (ids of another account's
    are refused, as unknown ones)."""
    problems: list[validation.Problem] = []
    asset = None
    raw_asset = data.get("media_asset")
    if message_type in validation.ASSET_KINDS and raw_asset not in (None, ""):
        asset = MediaAsset.objects.filter(account=account, pk=_int_or_none(raw_asset)).first()
        if asset is None:
            problems.append(
                validation.Problem(
                    "media_asset", _("The picked file is not one of this account's library.")
                )
            )
    items: list[Item] = []
    if message_type == MessageType.NEWS:
        ids = [_int_or_none(v) for v in data.get("article_ids") or []]
        ids = list(dict.fromkeys(i for i in ids if i is not None))
        found = {i.pk: i for i in Item.objects.filter(account=account, pk__in=ids)}
        if len(found) != len(ids):
            problems.append(
                validation.Problem(
                    "article_ids", _("A picked article is not one of this account's.")
                )
            )
        items = [found[i] for i in ids if i in found]
    return asset, items, problems


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def article_facts(item: Item) -> validation.ArticleFacts:
    return validation.ArticleFacts(
        title=item.title,
        is_published=item.publication == Publication.PUBLISHED,
        has_cover=item.cover_id is not None,
        content=article_content(item),
    )


def article_content(item: Item) -> str:
    """The article's HTML as WeChat gets it: the item's sanitised full text (no scripts, no
    images: WeChat would drop images from other hosts anyway)."""
    return sanitize_html(item.body)


def article_url(item: Item) -> str:
    """The item's public page (WeChat's 阅读原文), or "" without a public address."""
    base = public_base_url()
    if not base:
        return ""
    name = "content:policy" if item.is_policy else "content:news"
    return base + reverse(name, kwargs={"account_slug": item.account.slug, "item_id": item.pk})


def picked_articles(broadcast: Broadcast) -> list[Item]:
    return [
        a.item
        for a in BroadcastArticle.objects.filter(broadcast=broadcast)
        .select_related("item__cover", "item__account")
        .order_by("position")
    ]


def message_problems(broadcast: Broadcast) -> list[validation.Problem]:
    """The broadcast's message against WeChat's limits, with what is picked now."""
    asset = broadcast.media_asset if broadcast.media_asset_id else None
    return validation.check_message(
        message_type=broadcast.message_type,
        text=broadcast.text,
        media_id=broadcast.media_id,
        asset_kind=asset.kind if asset is not None else None,
        articles=[article_facts(item) for item in picked_articles(broadcast)],
    )


def _is_user(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def check_upload_openids(*, broadcast: Broadcast, raw: str, actor: Any) -> dict[str, Any]:
    """Replace the broadcast's uploaded OpenID list: each openid is matched with a follower of
    the account; unknown and unfollowed ones are reported (and left out)."""
    if broadcast.review_status not in EDITABLE:
        raise AppError("not_editable", _("Only a draft can change its audience."), status=409)
    openids, invalid = validation.parse_openid_list(raw)
    if not openids:
        raise AppError("openid_list_empty", _("The file holds no OpenID."))
    matched: list[int] = []
    unsubscribed: list[str] = []
    known: set[str] = set()
    for start in range(0, len(openids), 5_000):
        batch = openids[start : start + 5_000]
        for pk, openid, is_subscribed in Follower.objects.filter(
            account_id=broadcast.account_id, openid__in=batch
        ).values_list("pk", "openid", "is_subscribed"):
            known.add(openid)
            if is_subscribed:
                matched.append(pk)
            else:
                unsubscribed.append(openid)
    unknown = [o for o in openids if o not in known]
    report = {
        "given": len(openids),
        "matched": len(matched),
        "invalid_count": invalid,
        "unknown_count": len(unknown),
        "unknown": unknown[:20],
        "unsubscribed_count": len(unsubscribed),
        "unsubscribed": unsubscribed[:20],
    }
    with transaction.atomic():
        BroadcastListEntry.objects.filter(broadcast=broadcast).delete()
        BroadcastListEntry.objects.bulk_create(
            (BroadcastListEntry(broadcast=broadcast, follower_id=pk) for pk in matched),
            batch_size=2_000,
        )
        Broadcast.objects.filter(pk=broadcast.pk).update(
            has_openid_list=True, openid_list_report=report, audience_kind=AudienceKind.SEGMENT
        )
        do_audit(
            action="broadcasts.upload_list",
            actor=actor,
            account=broadcast.account,
            target=broadcast,
            detail={k: v for k, v in report.items() if k.endswith(("count", "given", "matched"))},
        )
    broadcast.refresh_from_db()
    return report


def do_clear_openid_list(*, broadcast: Broadcast, actor: Any) -> None:
    """Drop the uploaded OpenID list from a draft's audience."""
    if broadcast.review_status not in EDITABLE:
        raise AppError("not_editable", _("Only a draft can change its audience."), status=409)
    with transaction.atomic():
        BroadcastListEntry.objects.filter(broadcast=broadcast).delete()
        Broadcast.objects.filter(pk=broadcast.pk).update(
            has_openid_list=False, openid_list_report={}
        )
        do_audit(
            action="broadcasts.clear_list", actor=actor, account=broadcast.account, target=broadcast
        )
    broadcast.refresh_from_db()


def ready_problems(
    broadcast: Broadcast, *, now: datetime | None = None
) -> list[validation.Problem]:
    """Why the broadcast could not go out as it stands (empty when it could)."""
    problems = message_problems(broadcast)
    problems += validation.check_schedule(broadcast.scheduled_at, now=now)
    if broadcast.audience_kind == AudienceKind.SEGMENT and not _has_criteria(broadcast):
        problems.append(
            validation.Problem(
                "audience_kind",
                _("Choose at least one criterion for the segment, or send to all followers."),
            )
        )
    else:
        count = selectors.audience_queryset(broadcast).count()
        problems += validation.check_audience_size(
            count, is_to_all=broadcast.audience_kind == AudienceKind.ALL
        )
    return problems


def _has_criteria(broadcast: Broadcast) -> bool:
    return bool(
        broadcast.tags.exists()
        or broadcast.languages
        or broadcast.followed_from
        or broadcast.followed_until
        or broadcast.first_scene
        or broadcast.location_kind
        or broadcast.has_openid_list
    )


# --- 三审 -----------------------------------------------------------------------------------
def check_submit(*, broadcast: Broadcast, actor: Any) -> Broadcast:
    """Hand the draft to the first reviewer, once it could go out as it stands."""
    _refuse(ready_problems(broadcast))
    return do_submit_for_review(item=broadcast, actor=actor, policy=POLICY)  # type: ignore[return-value]


def check_approve_broadcast(*, broadcast: Broadcast, actor: Any, note: str = "") -> Broadcast:
    """A review step. The final approval checks the broadcast again (the schedule may have
    passed, the audience emptied) and schedules it: it goes at its time, or at once."""
    if broadcast.state == SendState.CANCELLED:
        raise AppError("cancelled", _("This broadcast was cancelled."), status=409)
    if broadcast.review_status == ReviewStatus.FINAL_REVIEW:
        _refuse(ready_problems(broadcast))
        _require_final_reviewer(broadcast, actor)
        # The media goes to WeChat now, so a refusal (a file WeChat will not take, an article
        # over its limits) stops the approval with the reason, before anything is sent.
        check_prepare_media(broadcast=broadcast, actor=actor)
    with transaction.atomic():
        item = check_approve(item=broadcast, actor=actor, policy=POLICY, note=note)
        if item.review_status == ReviewStatus.APPROVED:
            Broadcast.objects.filter(pk=item.pk, state=SendState.WAITING).update(
                state=SendState.SCHEDULED
            )
            transaction.on_commit(lambda: schedule_dispatch(item.pk, at=item.scheduled_at))
    broadcast.refresh_from_db()
    return broadcast


def _require_final_reviewer(broadcast: Broadcast, actor: Any) -> None:
    """The checks of the final approval (core.review makes them again), before any upload: a
    clerk who may not approve does not get media sent to WeChat either."""
    if broadcast.author_id is not None and broadcast.author_id == getattr(actor, "pk", None):
        raise AppError("own_item", _("The author of an item cannot approve it."), status=403)
    if not can(actor, POLICY.final_review_permission, broadcast.account):
        raise AppError(
            "forbidden",
            _("Your roles do not allow this step of the review on this account."),
            status=403,
        )
    if broadcast.first_reviewer_id == getattr(actor, "pk", None):
        raise AppError(
            "same_reviewer",
            _("The final review needs someone other than the first reviewer."),
            status=403,
        )


def check_return_broadcast(*, broadcast: Broadcast, actor: Any, reason: str) -> Broadcast:
    """A reviewer sends the broadcast back to its author with a reason."""
    return check_return(item=broadcast, actor=actor, policy=POLICY, reason=reason)  # type: ignore[return-value]


# --- the media WeChat needs ----------------------------------------------------------------
def check_prepare_media(
    *, broadcast: Broadcast, actor: Any = None, now: datetime | None = None
) -> str:
    """The media id the broadcast goes out with, made from the pick and kept on the broadcast:
    image and voice: the file as permanent material (kept on the file, made once); video: that
    material turned into an mpvideo media id (media/uploadvideo); news: each cover as permanent
    material, then the articles (media/uploadnews). Temporary media would expire in 3 days.
    AppError("media_not_ready") names what WeChat refused; nothing is sent then."""
    if broadcast.message_type == MessageType.TEXT:
        return ""
    if broadcast.media_id:
        return broadcast.media_id  # typed by hand in the advanced part
    _refuse(message_problems(broadcast))
    now = now or timezone.now()
    message_type = MessageType(broadcast.message_type)
    fresh = broadcast.prepared_at is not None and broadcast.prepared_at > now - PREPARED_LIFETIME
    if message_type in (MessageType.VIDEO, MessageType.NEWS) and broadcast.prepared_media_id:
        if fresh:
            return broadcast.prepared_media_id
    try:
        if message_type in (MessageType.IMAGE, MessageType.VOICE):
            media_id = check_add_material(asset=broadcast.media_asset, actor=actor)
        elif message_type == MessageType.VIDEO:
            media_id = _upload_video(broadcast, actor)
        else:
            media_id = _upload_news(broadcast, actor)
    except AppError as exc:
        raise AppError(
            "media_not_ready", _("%(reason)s Nothing was sent.") % {"reason": exc.message}
        ) from exc
    with transaction.atomic():
        Broadcast.objects.filter(pk=broadcast.pk).update(
            prepared_media_id=media_id, prepared_at=now
        )
        if media_id != broadcast.prepared_media_id:
            do_audit(
                action="broadcasts.prepare_media",
                actor=actor,
                account=broadcast.account,
                target=broadcast,
                detail={"type": broadcast.message_type, "media_id": media_id},
            )
    broadcast.prepared_media_id, broadcast.prepared_at = media_id, now
    return media_id


def _wechat_call(broadcast: Broadcast, api: str, body: dict[str, Any], what: str) -> str:
    try:
        answer = client_for(broadcast.account).post(api, data=body)
    except WeChatError as exc:
        raise AppError(
            "media_refused",
            _("WeChat refused %(what)s (%(code)s %(message)s).")
            % {"what": what, "code": exc.errcode or "—", "message": exc.errmsg},
        ) from exc
    media_id = str(answer.get("media_id") or "")
    if not media_id:
        raise AppError("media_refused", _("WeChat gave no media id for %(what)s.") % {"what": what})
    return media_id


def _upload_video(broadcast: Broadcast, actor: Any) -> str:
    asset = broadcast.media_asset
    assert asset is not None  # noqa: S101 - message_problems checked the pick
    stem = asset.name.rsplit(".", 1)[0] if "." in asset.name else asset.name
    title = (broadcast.video_title or stem)[: validation.ARTICLE_TITLE_MAX]
    material = check_add_material(
        asset=asset, title=title, introduction=broadcast.video_description, actor=actor
    )
    return _wechat_call(
        broadcast,
        "media/uploadvideo",
        {"media_id": material, "title": title, "description": broadcast.video_description},
        _("the video “%(name)s”") % {"name": asset.name},
    )


def news_articles(broadcast: Broadcast, *, cover_ids: dict[int, str]) -> list[dict[str, Any]]:
    """The body of media/uploadnews: the picked items in order, each with its cover's
    permanent material id. The digest (the item's summary, cut to WeChat's 120 characters)
    only for a single article, as WeChat shows digests only then."""
    items = picked_articles(broadcast)
    single = len(items) == 1
    articles = []
    for item in items:
        digest = item.summary if single else ""
        if len(digest) > validation.ARTICLE_DIGEST_MAX:
            digest = digest[: validation.ARTICLE_DIGEST_MAX - 1] + "…"
        articles.append(
            {
                "title": item.title,
                "thumb_media_id": cover_ids[item.pk],
                "author": "",
                "digest": digest,
                "show_cover_pic": 0,
                "content": article_content(item),
                "content_source_url": article_url(item),
                "need_open_comment": 0,
                "only_fans_can_comment": 0,
            }
        )
    return articles


def _upload_news(broadcast: Broadcast, actor: Any) -> str:
    cover_ids = {
        item.pk: check_add_material(asset=item.cover, actor=actor)
        for item in picked_articles(broadcast)
        if item.cover is not None
    }
    return _wechat_call(
        broadcast,
        "media/uploadnews",
        {"articles": news_articles(broadcast, cover_ids=cover_ids)},
        _("the articles"),
    )


# --- preview --------------------------------------------------------------------------------
def message_body(broadcast: Broadcast) -> dict[str, Any]:
    """The message part of a mass API body (the media id typed, or made from the pick)."""
    msgtype = WECHAT_MSGTYPE[MessageType(broadcast.message_type)]
    if msgtype == "text":
        return {"msgtype": "text", "text": {"content": broadcast.text}}
    media_id = broadcast.media_id or broadcast.prepared_media_id
    body: dict[str, Any] = {"msgtype": msgtype, msgtype: {"media_id": media_id}}

    if msgtype == "mpnews":
        body["send_ignore_reprint"] = 0
    return body


def check_preview(
    *, broadcast: Broadcast, actor: Any, openid: str = "", wechat_id: str = ""
) -> str:
    """Send the broadcast to one phone (`mass/preview`): a follower's openid, or a WeChat ID
    (towxname). Returns WeChat's msg_id. A picked file or articles go to WeChat first."""
    _refuse(message_problems(broadcast))
    openid, wechat_id = (openid or "").strip(), (wechat_id or "").strip()
    if not openid and not wechat_id:
        raise AppError("preview_target", _("Give the OpenID of a follower or a WeChat ID."))
    follower_id = None
    if not wechat_id:
        follower_id = (
            Follower.objects.filter(
                account_id=broadcast.account_id, openid=openid, is_subscribed=True
            )
            .values_list("pk", flat=True)
            .first()
        )
    if not wechat_id and follower_id is None:
        raise AppError(
            "preview_target", _("No follower of this account has the OpenID %s.") % openid
        )
    check_prepare_media(broadcast=broadcast, actor=actor)
    body = message_body(broadcast)
    if wechat_id:
        body["towxname"] = wechat_id
    else:
        body["touser"] = openid
    try:
        answer = client_for(broadcast.account).post("message/mass/preview", data=body)
    except WeChatError as exc:
        raise AppError(
            "wechat_refused",
            _("WeChat refused the preview (%(code)s %(message)s).")
            % {"code": exc.errcode, "message": exc.errmsg},
        ) from exc
    with transaction.atomic():
        do_audit(
            action="broadcasts.preview",
            actor=actor,
            account=broadcast.account,
            target=broadcast,
            # Masked as on every other page and log: the follower's id says who it was.
            detail={"to": mask_openid(wechat_id or openid), "follower": follower_id},
        )
    return str(answer.get("msg_id", ""))


# --- cancel, delete, the lane ---------------------------------------------------------------
def do_cancel_broadcast(*, broadcast: Broadcast, actor: Any) -> Broadcast:
    """Stop a broadcast that has not gone out (or not entirely): chunks not yet sent never
    will be. What WeChat already accepted stays sent (delete it afterwards)."""
    with transaction.atomic():
        cancelled = Broadcast.objects.filter(
            pk=broadcast.pk,
            state__in=(
                SendState.WAITING,
                SendState.SCHEDULED,
                SendState.SENDING,
                SendState.PAUSED,
            ),
        ).update(state=SendState.CANCELLED, cancelled_at=timezone.now())
        if not cancelled:
            raise AppError(
                "not_cancellable",
                _("Only a broadcast that has not gone out can be cancelled."),
                status=409,
            )
        do_audit(
            action="broadcasts.cancel",
            actor=actor,
            account=broadcast.account,
            target=broadcast,
            detail={"was": broadcast.state},
        )
    broadcast.refresh_from_db()
    return broadcast


def check_delete_broadcast(*, broadcast: Broadcast, actor: Any) -> int:
    """Delete what went out (`mass/delete` per accepted chunk): the article pages stop opening;
    messages already on phones stay, as WeChat does. Returns the number of calls WeChat took."""
    if broadcast.state not in (SendState.SENT, SendState.FAILED, SendState.CANCELLED):
        raise AppError(
            "not_deletable", _("Only a broadcast that went out can be deleted."), status=409
        )
    msg_ids = list(
        BroadcastChunk.objects.filter(broadcast=broadcast, state=ChunkState.SENT)
        .exclude(msg_id="")
        .values_list("msg_id", flat=True)
    )
    if not msg_ids:
        raise AppError("not_deletable", _("Nothing of this broadcast reached WeChat."), status=409)
    client = client_for(broadcast.account)
    deleted = 0
    for msg_id in msg_ids:
        try:
            client.post("message/mass/delete", data={"msg_id": int(msg_id), "article_idx": 0})
        except WeChatError as exc:
            raise AppError(
                "wechat_refused",
                _("WeChat refused to delete message %(msg_id)s (%(code)s %(message)s).")
                % {"msg_id": msg_id, "code": exc.errcode, "message": exc.errmsg},
            ) from exc
        deleted += 1
    with transaction.atomic():
        Broadcast.objects.filter(pk=broadcast.pk).update(
            state=SendState.DELETED, deleted_at=timezone.now()
        )
        do_audit(
            action="broadcasts.delete",
            actor=actor,
            account=broadcast.account,
            target=broadcast,
            detail={"msg_ids": msg_ids},
        )
    broadcast.refresh_from_db()
    return deleted


def do_pause_lane(*, account_id: int, errcode: int, reason: str) -> None:
    """WeChat said stop (45009): no broadcast of the account sends until someone resumes."""
    with transaction.atomic():
        lane, _created = BroadcastLane.objects.get_or_create(account_id=account_id)
        BroadcastLane.objects.filter(pk=lane.pk).update(
            is_paused=True, paused_at=timezone.now(), errcode=errcode, reason=reason[:300]
        )
        do_audit(
            action="broadcasts.lane_paused",
            account=OfficialAccount.objects.get(pk=account_id),
            detail={"errcode": errcode, "reason": reason[:300]},
        )


def do_resume_lane(*, account: OfficialAccount, actor: Any) -> int:
    """Resume the account's paused broadcasts (after the quota reset, or once WeChat raised
    it). Returns how many broadcasts start again."""
    with transaction.atomic():
        BroadcastLane.objects.filter(account=account).update(
            is_paused=False, resumed_at=timezone.now()
        )
        paused = list(
            Broadcast.objects.filter(account=account, state=SendState.PAUSED).values_list(
                "pk", "send_started_at"
            )
        )
        for pk, started in paused:
            Broadcast.objects.filter(pk=pk, state=SendState.PAUSED).update(
                state=SendState.SENDING if started else SendState.SCHEDULED,
                last_error="",
                heartbeat_at=None,
            )
        do_audit(
            action="broadcasts.lane_resumed",
            actor=actor,
            account=account,
            detail={"broadcasts": [pk for pk, _started in paused]},
        )
        for pk, _started in paused:
            transaction.on_commit(lambda pk=pk: schedule_dispatch(pk))
    return len(paused)


# --- results --------------------------------------------------------------------------------
def do_record_mass_result(
    *,
    account: OfficialAccount,
    msg_id: str,
    status: str,
    total_count: int,
    filter_count: int,
    sent_count: int,
    error_count: int,
) -> MassResult:
    """Keep a MASSSENDJOBFINISH result by msg_id (a repeat overwrites it with the same)."""
    result, _created = MassResult.objects.update_or_create(
        account=account,
        msg_id=str(msg_id),
        defaults={
            "status": status[:60],
            "total_count": total_count,
            "filter_count": filter_count,
            "sent_count": sent_count,
            "error_count": error_count,
            "received_at": timezone.now(),
        },
    )
    return result


# --- sending --------------------------------------------------------------------------------
def schedule_dispatch(broadcast_id: int, *, at: datetime | None = None) -> None:
    """Enqueue the sender: at `at` when the task backend can defer, at once when it is due."""
    from .tasks import send_broadcast

    _enqueue(send_broadcast, at=at, broadcast_id=broadcast_id)


def _enqueue(task: Any, *, at: datetime | None = None, **kwargs: Any) -> bool:
    now = timezone.now()
    if at is not None and at > now:
        if not task.get_backend().supports_defer:
            # The immediate backend (tests): `dispatch_due` sends it when it is due.
            return False
        task.using(run_after=at).enqueue(**kwargs)
        return True
    task.enqueue(**kwargs)
    return True


def dispatch_due(*, now: datetime | None = None) -> list[int]:
    """Start every approved broadcast whose time has come (for task backends that cannot defer;
    `manage.py broadcasts_dispatch` runs it)."""
    now = now or timezone.now()
    due = list(
        Broadcast.objects.filter(state=SendState.SCHEDULED)
        .filter(Q(scheduled_at__isnull=True) | Q(scheduled_at__lte=now))
        .values_list("pk", flat=True)
    )
    for pk in due:
        schedule_dispatch(pk)
    return due


def _start(broadcast_id: int, now: datetime) -> Broadcast | None:
    """scheduled → sending (or paused when the lane is), once."""
    broadcast = Broadcast.objects.select_related("account").get(pk=broadcast_id)
    if broadcast.state == SendState.SCHEDULED:
        if broadcast.scheduled_at and broadcast.scheduled_at > now + timedelta(seconds=1):
            return None  # enqueued early (a resumed lane): its own task comes at its time
        if selectors.is_lane_paused(account_id=broadcast.account_id):
            Broadcast.objects.filter(pk=broadcast.pk, state=SendState.SCHEDULED).update(
                state=SendState.PAUSED, last_error=_lane_message()
            )
            return None
        Broadcast.objects.filter(pk=broadcast.pk, state=SendState.SCHEDULED).update(
            state=SendState.SENDING, send_started_at=now, heartbeat_at=now
        )
        broadcast.refresh_from_db()
    return broadcast if broadcast.state == SendState.SENDING else None


def _lane_message() -> str:
    return _(
        "Paused: WeChat says the account's daily mass-send quota is used up (45009). "
        "Resume in the back office once it is reset."
    )


def dispatch_broadcast(*, broadcast_id: int, from_watchdog: bool = False) -> str:
    """Send a due broadcast: plan it (once), then send its chunks one by one until none is left,
    the lane pauses or someone cancels. Safe to run twice at once and after a crash."""
    now = timezone.now()
    broadcast = _start(broadcast_id, now)
    if broadcast is None:
        return (
            Broadcast.objects.filter(pk=broadcast_id).values_list("state", flat=True).first()
            or "gone"
        )
    if not from_watchdog:
        from .tasks import watch_broadcast

        _enqueue(watch_broadcast, at=now + lease(), broadcast_id=broadcast.pk)
    if not broadcast.is_planned:
        try:
            # Before the plan, so a chunk never goes out without it; after the plan the media
            # id stays what the chunks were first sent with.
            check_prepare_media(broadcast=broadcast)
            plan_chunks(broadcast)
        except AppError as exc:
            _finish(broadcast, failed_reason=exc.message)
            return "failed"
        broadcast.refresh_from_db()
    client = client_for(broadcast.account)
    while True:
        state = Broadcast.objects.filter(pk=broadcast.pk).values_list("state", flat=True).first()
        if state != SendState.SENDING:
            return str(state)
        if selectors.is_lane_paused(account_id=broadcast.account_id):
            Broadcast.objects.filter(pk=broadcast.pk, state=SendState.SENDING).update(
                state=SendState.PAUSED, last_error=_lane_message()
            )
            return "paused"
        chunk = _claim_next_chunk(broadcast)
        if chunk is None:
            if _wait_for_other_sender(broadcast):
                continue
            _finish(broadcast)
            return "finished"
        Broadcast.objects.filter(pk=broadcast.pk).update(heartbeat_at=timezone.now())
        outcome = _send_chunk(client, broadcast, chunk)
        if outcome == "stop":
            return Broadcast.objects.filter(pk=broadcast.pk).values_list("state", flat=True).get()


def _wait_for_other_sender(broadcast: Broadcast) -> bool:
    """A chunk claimed by another sender: wait until it is sent or its claim goes stale (the
    sender died), then look again. False when nothing is left in flight."""
    in_flight = BroadcastChunk.objects.filter(broadcast=broadcast, state=ChunkState.SENDING)
    claimed_at = in_flight.order_by("claimed_at").values_list("claimed_at", flat=True).first()
    if claimed_at is None:
        return False
    stale_at = claimed_at + lease()
    while timezone.now() < stale_at and in_flight.filter(claimed_at=claimed_at).exists():
        Broadcast.objects.filter(pk=broadcast.pk).update(heartbeat_at=timezone.now())
        time.sleep(min(1.0, max(0.05, (stale_at - timezone.now()).total_seconds())))
    return True


def _claim_next_chunk(broadcast: Broadcast) -> BroadcastChunk | None:
    """The next chunk to send, claimed with a conditional update: a waiting one, or one left
    "sending" by a sender whose claim went stale."""
    while True:
        now = timezone.now()
        candidate = (
            BroadcastChunk.objects.filter(broadcast=broadcast)
            .filter(
                Q(state=ChunkState.PENDING)
                | Q(state=ChunkState.SENDING, claimed_at__lt=now - lease())
            )
            .order_by("number")
            .values_list("pk", "state", "claim_token")
            .first()
        )
        if candidate is None:
            return None
        pk, state, token = candidate
        new_token = secrets.token_hex(8)
        claimed = BroadcastChunk.objects.filter(pk=pk, state=state, claim_token=token).update(
            state=ChunkState.SENDING,
            claim_token=new_token,
            claimed_at=now,
            attempts=F("attempts") + 1,
        )
        if claimed:
            return BroadcastChunk.objects.get(pk=pk)


def _send_chunk(client: Any, broadcast: Broadcast, chunk: BroadcastChunk) -> str:
    """One call. "next" to go on, "stop" when the broadcast stops (paused, failed)."""
    if chunk.first_attempt_at is None:
        BroadcastChunk.objects.filter(pk=chunk.pk, first_attempt_at__isnull=True).update(
            first_attempt_at=timezone.now()
        )
    elif timezone.now() - chunk.first_attempt_at > CLIENTMSGID_MEMORY:
        _fail_chunk(chunk, None, _("Not sent again: WeChat may have sent it a day ago."))
        return "next"
    if chunk.attempts > MAX_CHUNK_ATTEMPTS:
        _fail_chunk(chunk, None, _("No answer from WeChat after %d attempts.") % MAX_CHUNK_ATTEMPTS)
        return "next"
    body = message_body(broadcast)
    chunk.broadcast = broadcast  # the clientmsgid names the broadcast's token
    body["clientmsgid"] = chunk.clientmsgid
    if chunk.is_to_all:
        api = "message/mass/sendall"
        body["filter"] = {"is_to_all": True}
    else:
        api = "message/mass/send"
        body["touser"] = chunk.openids.split("\n")
    try:
        answer = client.post(api, data=body)
    except (WeChatNetworkError, WeChatServerError) as exc:
        # The outcome is unknown: the chunk stays "sending" and is sent again with the same
        # clientmsgid once its claim goes stale (WeChat answers 45065 if it had arrived).
        logger.warning("Broadcast chunk %s: no answer (%s)", chunk.clientmsgid, exc)
        Broadcast.objects.filter(pk=broadcast.pk).update(last_error=str(exc)[:300])
        return "stop"
    except WeChatApiError as exc:
        if exc.errcode == CLIENTMSGID_EXISTS:
            previous = getattr(exc, "answer", None) or {}
            _mark_sent(chunk, previous, was_repeat=True)
            return "next"
        if exc.errcode == QUOTA_EXHAUSTED:
            with transaction.atomic():
                BroadcastChunk.objects.filter(pk=chunk.pk, claim_token=chunk.claim_token).update(
                    state=ChunkState.PENDING, claim_token="", claimed_at=None
                )
                Broadcast.objects.filter(pk=broadcast.pk, state=SendState.SENDING).update(
                    state=SendState.PAUSED, last_error=_lane_message()
                )
            do_pause_lane(account_id=broadcast.account_id, errcode=exc.errcode, reason=str(exc))
            return "stop"
        _fail_chunk(chunk, exc.errcode, str(exc.errmsg))
        _finish(
            broadcast,
            failed_reason=_("WeChat refused chunk %(no)d: %(code)s %(message)s")
            % {"no": chunk.number, "code": exc.errcode, "message": exc.errmsg},
        )
        return "stop"
    _mark_sent(chunk, answer, was_repeat=False)
    return "next"


def _mark_sent(chunk: BroadcastChunk, answer: dict[str, Any], *, was_repeat: bool) -> None:
    """The chunk is WeChat's now: sent, its msg_id kept, its followers' monthly count bumped,
    in one transaction and only by the sender that holds the claim."""
    with transaction.atomic():
        marked = BroadcastChunk.objects.filter(
            pk=chunk.pk, state=ChunkState.SENDING, claim_token=chunk.claim_token
        ).update(
            state=ChunkState.SENT,
            msg_id=str(answer.get("msg_id") or ""),
            msg_data_id=str(answer.get("msg_data_id") or ""),
            was_repeat=was_repeat,
            sent_at=timezone.now(),
            errcode=None,
            error="",
        )
        if marked:
            _count_reach(chunk)


def _fail_chunk(chunk: BroadcastChunk, errcode: int | None, message: str) -> None:
    BroadcastChunk.objects.filter(pk=chunk.pk, claim_token=chunk.claim_token).update(
        state=ChunkState.FAILED, errcode=errcode, error=message[:300]
    )


def _finish(broadcast: Broadcast, *, failed_reason: str = "") -> None:
    """sending → sent (or failed when nothing got through), with an audit row."""
    sent = BroadcastChunk.objects.filter(broadcast=broadcast, state=ChunkState.SENT).exists()
    state = SendState.SENT if sent and not failed_reason else SendState.FAILED
    with transaction.atomic():
        changed = Broadcast.objects.filter(pk=broadcast.pk, state=SendState.SENDING).update(
            state=state,
            send_finished_at=timezone.now(),
            last_error=failed_reason[:300],
        )
        if changed:
            do_audit(
                action=f"broadcasts.{state}",
                account=broadcast.account,
                target=broadcast,
                detail={"reason": failed_reason[:300]} if failed_reason else {},
            )


# --- the chunk plan ---------------------------------------------------------------------------
def plan_chunks(broadcast: Broadcast) -> int:
    """Resolve the audience now and write one chunk row per call, in one transaction, before any
    call. "All followers" is one `sendall` call; a segment is walked in id order (a page of rows
    in memory at a time) and cut into balanced chunks of at most 10,000 openids (never a
    single-openid chunk: `mass/send` needs two)."""
    with transaction.atomic():
        locked = Broadcast.objects.filter(pk=broadcast.pk, is_planned=False).update(is_planned=True)
        if not locked:
            return broadcast.chunk_count
        if broadcast.audience_kind == AudienceKind.ALL:
            count = selectors.audience_queryset(broadcast).count()
            _refuse(validation.check_audience_size(count, is_to_all=True), "audience_empty")
            BroadcastChunk.objects.create(broadcast=broadcast, number=0, is_to_all=True, size=count)
            chunks = 1
        else:
            count, chunks = _write_segment_chunks(broadcast)
            _refuse(validation.check_audience_size(count, is_to_all=False), "audience_empty")
        Broadcast.objects.filter(pk=broadcast.pk).update(audience_count=count, chunk_count=chunks)
    return chunks


def _write_segment_chunks(broadcast: Broadcast) -> tuple[int, int]:
    expected = selectors.audience_queryset(broadcast).count()
    per_call = chunk_size()
    calls = max(1, -(-expected // per_call))
    target = -(-expected // calls) if expected else per_call  # balanced sizes
    number = 0
    count = 0
    held: list[tuple[int, str]] | None = None  # one full chunk kept back (see below)
    current: list[tuple[int, str]] = []
    for row in selectors.walk_audience(broadcast):
        current.append(row)
        count += 1
        if len(current) >= target:
            if held is not None:
                _write_chunk(broadcast, number, held)
                number += 1
            held, current = current, []
    if current and held is not None and len(current) < validation.MIN_OPENIDS_PER_CALL:
        # The audience shrank while being read and left one openid at the end: it goes with
        # the previous chunk, or takes one from it when that one is full.
        if len(held) < per_call:
            held, current = held + current, []
        else:
            current = [held.pop(), *current]
    for rows in (held, current):
        if rows:
            _write_chunk(broadcast, number, rows)
            number += 1
    return count, number


def _write_chunk(broadcast: Broadcast, number: int, rows: list[tuple[int, str]]) -> None:
    BroadcastChunk.objects.create(
        broadcast=broadcast,
        number=number,
        size=len(rows),
        openids="\n".join(openid for _pk, openid in rows),
        follower_ids=",".join(str(pk) for pk, _openid in rows),
    )


# --- monthly reach --------------------------------------------------------------------------
REACH_TABLE = MonthlyReach._meta.db_table
_UPSERT = (
    f"INSERT INTO {REACH_TABLE} (follower_id, month, count) VALUES (%s, %s, 1) "  # noqa: S608 - table names from the models; values are parameters
    f"ON CONFLICT (follower_id) DO UPDATE SET "
    f"count = CASE WHEN {REACH_TABLE}.month = excluded.month "
    f"THEN {REACH_TABLE}.count + 1 ELSE 1 END, month = excluded.month"
)


def _count_reach(chunk: BroadcastChunk) -> None:
    """One more broadcast this month for each follower of the chunk (one upsert per follower,
    sent as one batch)."""
    month = connection.ops.adapt_datefield_value(selectors.current_month())
    if chunk.is_to_all:
        account_id = Broadcast.objects.filter(pk=chunk.broadcast_id).values_list(
            "account_id", flat=True
        )[0]
        follower_table = Follower._meta.db_table
        sql = _UPSERT.replace(
            "VALUES (%s, %s, 1)",
            f"SELECT id, %s, 1 FROM {follower_table} WHERE account_id = %s AND is_subscribed",  # noqa: S608
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [month, account_id])
        return
    ids: Iterable[str] = chunk.follower_ids.split(",") if chunk.follower_ids else []
    with connection.cursor() as cursor:
        cursor.executemany(_UPSERT, [(int(pk), month) for pk in ids])
