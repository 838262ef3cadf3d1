"""Reads of the mock platform's state, shaped as WeChat answers them where an API returns them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, QuerySet
from django.utils import timezone

from . import errors
from .errors import WeChatError
from .models import (
    MockAccessToken,
    MockApp,
    MockDelivered,
    MockMassJob,
    MockMedia,
    MockMenu,
    MockOAuthToken,
    MockQrCode,
    MockTag,
    MockUser,
)

USER_PAGE_SIZE = 10_000
MEDIA_LIFETIME = timedelta(days=3)
STAR_TAG_ID = 2
STAR_TAG_NAME = "星标组"
RESERVED_TAG_IDS = (0, 1, 2)


# --- Apps and credentials ---------------------------------------------------------------------
def get_app(appid: str) -> MockApp | None:
    return MockApp.objects.filter(appid=appid).first() if appid else None


def app_for_access_token(token: str) -> MockApp | None:
    """The app a token belongs to, whatever the token's state (to match injected faults)."""
    if not token:
        return None
    row = MockAccessToken.objects.select_related("app").filter(token=token).first()
    return row.app if row else None


def authenticate_access_token(token: str) -> MockApp:
    """The app behind a valid access_token; 41001 missing, 40001 unknown or superseded,
    42001 expired."""
    if not token:
        raise WeChatError(errors.ACCESS_TOKEN_MISSING)
    row = MockAccessToken.objects.select_related("app").filter(token=token).first()
    if row is None:
        raise WeChatError(errors.INVALID_CREDENTIAL)
    now = timezone.now()
    if row.invalidated_at is not None and now >= row.invalidated_at:
        raise WeChatError(errors.INVALID_CREDENTIAL)
    if now >= row.expires_at:
        raise WeChatError(errors.ACCESS_TOKEN_EXPIRED)
    return row.app


def current_tokens(app: MockApp) -> QuerySet[MockAccessToken]:
    now = timezone.now()
    return MockAccessToken.objects.filter(app=app, expires_at__gt=now).exclude(
        invalidated_at__lte=now
    )


def authenticate_oauth_token(token: str) -> MockOAuthToken:
    if not token:
        raise WeChatError(errors.ACCESS_TOKEN_MISSING)
    row = MockOAuthToken.objects.select_related("app").filter(access_token=token).first()
    if row is None:
        raise WeChatError(errors.INVALID_CREDENTIAL)
    if timezone.now() >= row.expires_at:
        raise WeChatError(errors.ACCESS_TOKEN_EXPIRED)
    return row


# --- Users ------------------------------------------------------------------------------------
def get_user(app: MockApp, openid: str) -> MockUser | None:
    return MockUser.objects.filter(app=app, openid=openid).first() if openid else None


def require_user(app: MockApp, openid: str) -> MockUser:
    """The user, or 49003 for another app's openid and 40003 for an unknown one."""
    user = get_user(app, openid)
    if user is not None:
        return user
    if openid and MockUser.objects.filter(openid=openid).exists():
        raise WeChatError(errors.OPENID_NOT_OF_APPID)
    raise WeChatError(errors.INVALID_OPENID)


def list_users(app: MockApp) -> QuerySet[MockUser]:
    return MockUser.objects.filter(app=app).order_by("id")


def user_info(user: MockUser) -> dict[str, Any]:
    """/cgi-bin/user/info as WeChat answers it today (no nickname, avatar, sex or region since
    December 2021)."""
    if not user.is_subscribed:
        data: dict[str, Any] = {"subscribe": 0, "openid": user.openid}
    else:
        data = {
            "subscribe": 1,
            "openid": user.openid,
            "language": user.language,
            "subscribe_time": int(user.subscribe_time.timestamp()) if user.subscribe_time else 0,
            "remark": user.remark,
            "groupid": 0,
            "tagid_list": list(user.tagid_list),
            "subscribe_scene": user.subscribe_scene,
            "qr_scene": user.qr_scene,
            "qr_scene_str": user.qr_scene_str,
        }
    if user.unionid:
        data["unionid"] = user.unionid
    return data


def openid_page(users: QuerySet[MockUser], *, next_openid: str) -> dict[str, Any]:
    """One page of openids after `next_openid` (WeChat's user/get paging)."""
    if next_openid:
        anchor = users.filter(openid=next_openid).first()
        if anchor is None:
            raise WeChatError(errors.INVALID_OPENID)
        users = users.filter(id__gt=anchor.id)
    openids = list(users.order_by("id").values_list("openid", flat=True)[:USER_PAGE_SIZE])
    page: dict[str, Any] = {"count": len(openids)}
    if openids:
        page["data"] = {"openid": openids}
    page["next_openid"] = openids[-1] if openids else ""
    return page


def followers(app: MockApp) -> QuerySet[MockUser]:
    return MockUser.objects.filter(app=app, is_subscribed=True).order_by("id")


def followers_with_tag(app: MockApp, tag_id: int) -> list[MockUser]:
    # tagid_list is JSON; a mock's follower counts are small, so filter in Python rather than
    # depend on a database's JSON operators.
    return [u for u in followers(app) if tag_id in u.tagid_list]


# --- Tags -------------------------------------------------------------------------------------
def tag_exists(app: MockApp, tag_id: int) -> bool:
    return tag_id == STAR_TAG_ID or MockTag.objects.filter(app=app, tag_id=tag_id).exists()


def tag_list(app: MockApp) -> list[dict[str, Any]]:
    counts: dict[int, int] = {}
    for tags in followers(app).values_list("tagid_list", flat=True):
        for tag_id in tags:
            counts[tag_id] = counts.get(tag_id, 0) + 1
    tags = [{"id": STAR_TAG_ID, "name": STAR_TAG_NAME, "count": counts.get(STAR_TAG_ID, 0)}]
    tags += [
        {"id": t.tag_id, "name": t.name, "count": counts.get(t.tag_id, 0)}
        for t in MockTag.objects.filter(app=app).order_by("tag_id")
    ]
    return tags


# --- Menus ------------------------------------------------------------------------------------
def default_menu(app: MockApp) -> MockMenu | None:
    return MockMenu.objects.filter(app=app, is_conditional=False).first()


def conditional_menus(app: MockApp) -> QuerySet[MockMenu]:
    return MockMenu.objects.filter(app=app, is_conditional=True).order_by("id")


def menu_info(app: MockApp) -> dict[str, Any]:
    """/cgi-bin/menu/get: the default menu and the conditional ones; 46003 without a menu."""
    menu = default_menu(app)
    if menu is None:
        raise WeChatError(errors.MENU_NO_EXIST)
    data: dict[str, Any] = {"menu": {"button": menu.buttons, "menuid": menu.menuid}}
    conditional = [
        {"button": m.buttons, "matchrule": m.matchrule, "menuid": m.menuid}
        for m in conditional_menus(app)
    ]
    if conditional:
        data["conditionalmenu"] = conditional
    return data


def _selfmenu_button(button: dict[str, Any]) -> dict[str, Any]:
    if "type" not in button:
        return {
            "name": button["name"],
            "sub_button": {"list": [_selfmenu_button(b) for b in button["sub_button"]]},
        }
    converted = {k: v for k, v in button.items() if k != "sub_button"}
    if button["type"] == "media_id":
        converted = {"type": "img", "name": button["name"], "value": button.get("media_id")}
    return converted


def selfmenu_info(app: MockApp) -> dict[str, Any]:
    """/cgi-bin/get_current_selfmenu_info for a menu set through the API."""
    menu = default_menu(app)
    if menu is None:
        return {"is_menu_open": 0}
    return {
        "is_menu_open": 1,
        "selfmenu_info": {"button": [_selfmenu_button(b) for b in menu.buttons]},
    }


def matches(rule: dict[str, Any], user: MockUser) -> bool:
    checks = {
        "tag_id": lambda v: int(v) in user.tagid_list,
        "sex": lambda v: int(v) == user.sex,
        "client_platform_type": lambda v: int(v) == user.client_platform_type,
        "country": lambda v: v == user.country,
        "province": lambda v: v == user.province,
        "city": lambda v: v == user.city,
        "language": lambda v: v == user.language,
    }
    for key, check in checks.items():
        value = rule.get(key)
        if value in (None, ""):
            continue
        try:
            if not check(value):
                return False
        except (TypeError, ValueError):
            return False
    return True


def menu_for_user(app: MockApp, user: MockUser) -> list[dict[str, Any]]:
    """The menu this user sees: the newest matching conditional menu, else the default."""
    for menu in conditional_menus(app).order_by("-id"):
        if matches(menu.matchrule, user):
            return menu.buttons
    menu = default_menu(app)
    if menu is None:
        raise WeChatError(errors.MENU_NO_EXIST)
    return menu.buttons


# --- Media, QR codes, deliveries, mass jobs ---------------------------------------------------
def get_media(app: MockApp, media_id: str) -> MockMedia | None:
    """Media of this app that is still there: temporary media for 3 days, permanent material
    until deleted."""
    if not media_id:
        return None
    media = MockMedia.objects.filter(app=app, media_id=media_id).first()
    if media is None:
        return None
    if not media.is_permanent and timezone.now() >= media.created_at + MEDIA_LIFETIME:
        return None
    return media


def material_counts(app: MockApp) -> dict[str, int]:
    """material/get_materialcount: the app's permanent material by type."""
    counts = dict(
        MockMedia.objects.filter(app=app, is_permanent=True)
        .values("type")
        .annotate(n=Count("pk"))
        .values_list("type", "n")
    )
    return {
        "voice_count": counts.get("voice", 0),
        "video_count": counts.get("video", 0),
        "image_count": counts.get("image", 0),
        "news_count": counts.get("news", 0),
    }


def news_articles(app: MockApp, media_id: str) -> list[dict[str, Any]]:
    """The articles of an mpnews media id (uploadnews), [] when unknown or expired."""
    media = get_media(app, media_id)
    if media is None or media.type != "news":
        return []
    return list(media.articles)


def get_media_anywhere(media_id: str) -> MockMedia | None:
    return MockMedia.objects.filter(media_id=media_id).first()


def get_qrcode(ticket: str) -> MockQrCode | None:
    """A QR code by ticket, None when unknown or expired."""
    qr = MockQrCode.objects.select_related("app").filter(ticket=ticket).first() if ticket else None
    if qr is None:
        return None
    if qr.expire_seconds is not None and timezone.now() >= qr.created_at + timedelta(
        seconds=qr.expire_seconds
    ):
        return None
    return qr


def deliveries(
    app: MockApp, *, openid: str = "", since_id: int = 0, channel: str = ""
) -> QuerySet[MockDelivered]:
    qs = MockDelivered.objects.filter(app=app, id__gt=since_id).order_by("id")
    if openid:
        qs = qs.filter(openid=openid)
    if channel:
        qs = qs.filter(channel=channel)
    return qs


def mass_counts_this_month(app: MockApp, openids: list[str], *, since: Any) -> dict[str, int]:
    """Mass messages each of these openids received since `since` (only those with any).

    Raw SQL: building a 10,000-value IN through the ORM costs more than running it."""
    table = MockDelivered._meta.db_table
    since_value = connection.ops.adapt_datetimefield_value(since)
    counts: dict[str, int] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(openids), 10_000):
            batch = openids[start : start + 10_000]
            marks = ",".join(["%s"] * len(batch))
            cursor.execute(
                f"SELECT openid, COUNT(*) FROM {table} WHERE app_id = %s AND openid IN ({marks}) "  # noqa: S608 - placeholders only
                "AND channel = 'mass' AND created_at >= %s GROUP BY openid",
                [app.pk, *batch, since_value],
            )
            counts.update(cursor.fetchall())
    return counts


def following_states(app: MockApp, openids: list[str]) -> dict[str, bool]:
    """openid → is_subscribed for the app's users among `openids` (unknown ones absent)."""
    table = MockUser._meta.db_table
    states: dict[str, bool] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(openids), 10_000):
            batch = openids[start : start + 10_000]
            marks = ",".join(["%s"] * len(batch))
            cursor.execute(
                f"SELECT openid, is_subscribed FROM {table} WHERE app_id = %s AND openid IN ({marks})",  # noqa: S608 - placeholders only
                [app.pk, *batch],
            )
            states.update((openid, bool(flag)) for openid, flag in cursor.fetchall())
    return states


def delivered_payloads(items: list[MockDelivered]) -> dict[int, dict[str, Any]]:
    """The payload of each delivery by id: a mass delivery's is its job's (the rows of a mass
    message carry none, to stay small for a million followers)."""
    mass_ids = {int(d.msg_id) for d in items if d.channel == "mass" and not d.payload and d.msg_id}
    jobs = dict(MockMassJob.objects.filter(msg_id__in=mass_ids).values_list("msg_id", "payload"))
    payloads = {
        d.id: (
            jobs.get(int(d.msg_id), {})
            if d.id and d.channel == "mass" and not d.payload
            else d.payload
        )
        for d in items
    }
    return {pk: _with_articles(payload, items) for pk, payload in payloads.items()}


def _with_articles(payload: dict[str, Any], items: list[MockDelivered]) -> dict[str, Any]:
    """An mpnews payload with the articles its media id stands for (as the phone shows them:
    title, digest, cover), so a reader of the deliveries sees what arrived."""
    mpnews = payload.get("mpnews") if isinstance(payload, dict) else None
    if not isinstance(mpnews, dict) or not mpnews.get("media_id") or not items:
        return payload
    media = MockMedia.objects.filter(
        app_id=items[0].app_id, media_id=str(mpnews["media_id"]), type="news"
    ).first()
    if media is None:
        return payload
    articles = [
        {
            "title": a.get("title", ""),
            "digest": a.get("digest", ""),
            "thumb_media_id": a.get("thumb_media_id", ""),
            "content_source_url": a.get("content_source_url", ""),
        }
        for a in media.articles
    ]
    return {**payload, "mpnews": {**mpnews, "articles": articles}}


def get_mass_job(app: MockApp, msg_id: Any) -> MockMassJob | None:
    try:
        msg_id = int(msg_id)
    except (TypeError, ValueError):
        return None
    return MockMassJob.objects.filter(app=app, msg_id=msg_id).first()
