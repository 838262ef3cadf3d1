"""Everything that changes the mock platform's state: WeChat's side of each API, the simulated
users' actions (which post callbacks to the app), faults and quotas.

WeChat API refusals raise `WeChatError(errcode)`; control-API refusals raise `AppError`. Callbacks
are posted after the state change is committed, outside any transaction: the app under test
writes to the same SQLite database when it handles them.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from weizheng.core.errors import AppError

from . import errors, selectors
from .callbacks import AppSnapshot, CallbackResult, dispatch_event, post_callback, remember
from .errors import WeChatError
from .models import (
    Channel,
    FaultKind,
    MassStatus,
    MassTarget,
    MediaType,
    MessageMode,
    MockAccessToken,
    MockApp,
    MockDelivered,
    MockFault,
    MockMassJob,
    MockMedia,
    MockMenu,
    MockOAuthCode,
    MockOAuthToken,
    MockQrCode,
    MockQuotaUse,
    MockTag,
    MockUser,
    QrAction,
    TokenKind,
)
from .qr import new_qr_url, new_ticket, png_for

TOKEN_LIFETIME = timedelta(seconds=7200)
# A newer /cgi-bin/token call leaves the previous token working this long.
TOKEN_OVERLAP = timedelta(minutes=5)
STABLE_FORCE_INTERVAL = timedelta(seconds=30)
CUSTOMER_SERVICE_WINDOW = timedelta(hours=48)
OAUTH_CODE_LIFETIME = timedelta(minutes=5)
OAUTH_REFRESH_LIFETIME = timedelta(days=30)
TEMPLATE_DEDUPE_WINDOW = timedelta(minutes=10)
# WeChat refuses a mass send whose clientmsgid it saw in the last 24 hours (45065).
CLIENTMSGID_MEMORY = timedelta(hours=24)
# Our choice where WeChat's docs give none: the text of a mass message, in bytes of UTF-8.
MASS_TEXT_MAX_BYTES = 2048

DEFAULT_QUOTAS: dict[str, int] = {
    "token": 2_000,
    "stable_token": 500_000,
    "stable_token_force": 20,
    "menu_create": 1_000,
    "menu_get": 10_000,
    "menu_delete": 1_000,
    "custom_send": 500_000,
    "template_send": 100_000,
    "mass_send": 100,
    "mass_preview": 100,
    "qrcode_create": 100_000,
    "user_info": 5_000_000,
    "user_get": 500,
    "media_upload": 100_000,
    "media_get": 200_000,
    # Our choice: WeChat's docs give no daily figure for adding permanent material.
    "material_add": 5_000,
}
# Not a daily API quota: how many mass messages one follower may receive per calendar month.
MASS_PER_FOLLOWER_PER_MONTH = 4
MAX_TAGS = 100
MAX_TAGS_PER_USER = 20
MAX_TAG_NAME_BYTES = 30

AES_KEY_PATTERN = re.compile(r"[0-9a-zA-Z]{43}")
_OPENID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _now() -> datetime:
    return timezone.now()


def _unix(moment: datetime | None = None) -> int:
    return int((moment or _now()).timestamp())


def _new_number(digits: int = 10) -> int:
    return secrets.randbelow(9 * 10 ** (digits - 1)) + 10 ** (digits - 1)


def _app(app: MockApp | str) -> MockApp:
    if isinstance(app, MockApp):
        return app
    found = selectors.get_app(app)
    if found is None:
        raise AppError("unknown_app", f"No mock app has the AppID {app}.", status=404)
    return found


# --- Apps and users (control) -----------------------------------------------------------------
def register_app(
    *,
    appid: str,
    secret: str,
    callback_url: str = "",
    token: str = "",
    encoding_aes_key: str = "",
    message_mode: str = MessageMode.PLAIN,
    name: str = "",
    quota_limits: dict[str, int] | None = None,
    templates: list[dict[str, Any]] | None = None,
    oauth_domains: list[str] | None = None,
) -> MockApp:
    """Create or update the app with this AppID (WeChat's view of an official account)."""
    if not appid or not secret:
        raise AppError("invalid_app", "An app needs an AppID and an AppSecret.")
    if message_mode not in MessageMode.values:
        raise AppError("invalid_app", f"Unknown message mode {message_mode}.")
    if encoding_aes_key and not AES_KEY_PATTERN.fullmatch(encoding_aes_key):
        raise AppError("invalid_app", "The EncodingAESKey is 43 letters or digits.")
    if message_mode != MessageMode.PLAIN and not encoding_aes_key:
        raise AppError("invalid_app", "Compatible and safe modes need an EncodingAESKey.")
    values: dict[str, Any] = {
        "secret": secret,
        "callback_url": callback_url,
        "token": token,
        "encoding_aes_key": encoding_aes_key,
        "message_mode": message_mode,
        "name": name,
    }
    if quota_limits is not None:
        values["quota_limits"] = quota_limits
    if templates is not None:
        values["templates"] = templates
    if oauth_domains is not None:
        values["oauth_domains"] = oauth_domains
    app, _ = MockApp.objects.update_or_create(appid=appid, defaults=values)
    return app


def new_openid(app: MockApp) -> str:
    prefix = app.openid_prefix
    return prefix + "".join(secrets.choice(_OPENID_ALPHABET) for _ in range(28 - len(prefix)))


def create_user(
    app: MockApp | str,
    *,
    nickname: str = "",
    avatar_url: str = "",
    sex: int = 0,
    country: str = "中国",
    province: str = "",
    city: str = "",
    language: str = "zh_CN",
    wechat_id: str = "",
    client_platform_type: int = 2,
    is_subscribed: bool = True,
    subscribe_scene: str = "ADD_SCENE_SEARCH",
    last_interaction_at: datetime | None = None,
    tagid_list: list[int] | None = None,
    blocks_templates: bool = False,
    openid: str = "",
) -> MockUser:
    """A simulated WeChat user of this app, following it unless is_subscribed=False. No callback
    is posted: use user_subscribes() to act out the follow."""
    app = _app(app)
    if openid and MockUser.objects.filter(app=app, openid=openid).exists():
        raise AppError("openid_taken", f"The app already has a user {openid}.", status=409)
    now = _now()
    return MockUser.objects.create(
        app=app,
        openid=openid or new_openid(app),
        nickname=nickname,
        avatar_url=avatar_url,
        sex=sex,
        country=country,
        province=province,
        city=city,
        language=language,
        wechat_id=wechat_id,
        client_platform_type=client_platform_type,
        is_subscribed=is_subscribed,
        subscribe_time=now if is_subscribed else None,
        subscribe_scene=subscribe_scene if is_subscribed else "",
        last_interaction_at=last_interaction_at,
        tagid_list=list(tagid_list or []),
        blocks_templates=blocks_templates,
    )


def create_users_bulk(
    app: MockApp | str,
    *,
    count: int,
    language: str = "zh_CN",
    openid_prefix: str = "",
    batch_size: int = 5_000,
) -> list[str]:
    """`count` following users at once (tests and benchmarks of large audiences): openids
    `<prefix><n>` padded to 28 characters, numbered in order; no callback is posted. Returns the
    openids."""
    app = _app(app)
    prefix = openid_prefix or app.openid_prefix + "B"
    width = 28 - len(prefix)
    now = _now()
    openids = [f"{prefix}{n:0{width}d}" for n in range(count)]
    for start in range(0, count, batch_size):
        MockUser.objects.bulk_create(
            [
                MockUser(
                    app=app,
                    openid=openid,
                    language=language,
                    country="中国",
                    is_subscribed=True,
                    subscribe_time=now,
                    subscribe_scene="ADD_SCENE_SEARCH",
                )
                for openid in openids[start : start + batch_size]
            ]
        )
    return openids


# --- Quotas and faults ------------------------------------------------------------------------
def quota_limit(app: MockApp, api: str) -> int | None:
    value = (app.quota_limits or {}).get(api, DEFAULT_QUOTAS.get(api))
    return None if value is None else int(value)


def consume_quota(app: MockApp, api: str) -> None:
    """Count one call against today's quota (Beijing day); 45009 when it is used up."""
    limit = quota_limit(app, api)
    if limit is None:
        return
    day = timezone.localdate()
    try:
        use, _ = MockQuotaUse.objects.get_or_create(app=app, api=api, day=day)
    except IntegrityError:  # another request created today's row first
        use = MockQuotaUse.objects.get(app=app, api=api, day=day)
    claimed = MockQuotaUse.objects.filter(pk=use.pk, count__lt=limit).update(count=F("count") + 1)
    if not claimed:
        raise WeChatError(errors.QUOTA_EXHAUSTED)


def quota_status(app: MockApp, api: str) -> dict[str, int]:
    limit = quota_limit(app, api) or 0
    use = MockQuotaUse.objects.filter(app=app, api=api, day=timezone.localdate()).first()
    used = use.count if use else 0
    return {"daily_limit": limit, "used": used, "remain": max(0, limit - used)}


def clear_quota(app: MockApp) -> None:
    """/cgi-bin/clear_quota: today's counts back to zero."""
    MockQuotaUse.objects.filter(app=app, day=timezone.localdate()).delete()


def normalize_api(api: str) -> str:
    api = (api or "*").strip()
    if api == "*":
        return api
    api = "/" + api.lstrip("/")
    if api.startswith("/wxmock/"):
        api = api[len("/wxmock") :]
    return api.split("?", 1)[0]


def inject_fault(
    *,
    kind: str,
    api: str = "*",
    value: float | None = None,
    remaining: int | None = None,
    app: MockApp | str | None = None,
) -> MockFault:
    """Make the API at `api` (or every API, "*") misbehave `remaining` times (None = until
    cleared): latency (value seconds), http_500, errcode (value), expire_token."""
    if kind not in FaultKind.values:
        raise AppError("invalid_fault", f"Unknown fault kind {kind}.")
    if kind in (FaultKind.LATENCY, FaultKind.ERRCODE) and value is None:
        raise AppError("invalid_fault", f"A {kind} fault needs a value.")
    return MockFault.objects.create(
        app=_app(app) if app is not None else None,
        api=normalize_api(api),
        kind=kind,
        value=value,
        remaining=remaining,
    )


def clear_faults(*, app: MockApp | str | None = None) -> int:
    """Remove injected faults (all of them, or one app's)."""
    qs = MockFault.objects.all() if app is None else MockFault.objects.filter(app=_app(app))
    deleted, _ = qs.delete()
    return deleted


def take_faults(*, app: MockApp | None, api: str) -> list[MockFault]:
    """The faults that fire for this call, each one's remaining count decremented."""
    api = normalize_api(api)
    scope = Q(app__isnull=True) | Q(app=app) if app is not None else Q(app__isnull=True)
    fired = []
    for fault in MockFault.objects.filter(scope).filter(Q(api="*") | Q(api=api)).order_by("id"):
        if fault.remaining is None:
            fired.append(fault)
            continue
        if MockFault.objects.filter(pk=fault.pk, remaining__gt=0).update(
            remaining=F("remaining") - 1
        ):
            fired.append(fault)
    MockFault.objects.filter(remaining=0).delete()
    return fired


def expire_tokens(app: MockApp | str, *, invalidate: bool = False) -> int:
    """End the app's current access tokens now: expired (42001) or invalidated (40001)."""
    app = _app(app)
    now = _now()
    current = selectors.current_tokens(app)
    if invalidate:
        return current.update(invalidated_at=now)
    return current.update(expires_at=now)


# --- access_token -----------------------------------------------------------------------------
def check_credentials(appid: str, secret: str) -> MockApp:
    if not appid:
        raise WeChatError(errors.APPID_MISSING)
    app = selectors.get_app(appid)
    if app is None:
        raise WeChatError(errors.INVALID_APPID)
    if not secret:
        raise WeChatError(errors.APPSECRET_MISSING)
    if not hmac.compare_digest(app.secret.encode(), secret.encode()):
        raise WeChatError(errors.INVALID_APPSECRET)
    return app


def _new_token_string() -> str:
    return secrets.token_urlsafe(102)  # 136 characters, like WeChat's


def do_issue_access_token(app: MockApp) -> MockAccessToken:
    """/cgi-bin/token: a new token; the previous ones keep working for 5 more minutes."""
    now = _now()
    with transaction.atomic():
        MockAccessToken.objects.filter(
            app=app, kind=TokenKind.TOKEN, invalidated_at__isnull=True, expires_at__gt=now
        ).update(invalidated_at=now + TOKEN_OVERLAP)
        return MockAccessToken.objects.create(
            app=app,
            kind=TokenKind.TOKEN,
            token=_new_token_string(),
            expires_at=now + TOKEN_LIFETIME,
            created_at=now,
        )


def do_get_stable_token(app: MockApp, *, force_refresh: bool) -> tuple[str, int]:
    """/cgi-bin/stable_token (isolated from /cgi-bin/token). Normal mode reuses the current
    token, renewing it in its last 5 minutes (both stay valid); force_refresh invalidates the
    current one at once, at most 20 times a day and not within 30 s of the last refresh."""
    now = _now()
    current = (
        MockAccessToken.objects.filter(
            app=app, kind=TokenKind.STABLE, invalidated_at__isnull=True, expires_at__gt=now
        )
        .order_by("-created_at")
        .first()
    )
    if force_refresh:
        consume_quota(app, "stable_token_force")
        if current is not None and now - current.created_at < STABLE_FORCE_INTERVAL:
            return current.token, int((current.expires_at - now).total_seconds())
        MockAccessToken.objects.filter(
            app=app, kind=TokenKind.STABLE, invalidated_at__isnull=True
        ).update(invalidated_at=now)
    elif current is not None and current.expires_at - now > TOKEN_OVERLAP:
        return current.token, int((current.expires_at - now).total_seconds())
    token = MockAccessToken.objects.create(
        app=app,
        kind=TokenKind.STABLE,
        token=_new_token_string(),
        expires_at=now + TOKEN_LIFETIME,
        created_at=now,
    )
    return token.token, int(TOKEN_LIFETIME.total_seconds())


# --- Menus ------------------------------------------------------------------------------------
BUTTON_TYPES = {
    "click",
    "view",
    "scancode_push",
    "scancode_waitmsg",
    "pic_sysphoto",
    "pic_photo_or_album",
    "pic_weixin",
    "location_select",
    "media_id",
    "view_limited",
    "article_id",
    "article_view_limited",
    "miniprogram",
}
KEY_BUTTON_TYPES = {
    "click",
    "scancode_push",
    "scancode_waitmsg",
    "pic_sysphoto",
    "pic_photo_or_album",
    "pic_weixin",
    "location_select",
}
MATCHRULE_FIELDS = (
    "tag_id",
    "sex",
    "country",
    "province",
    "city",
    "client_platform_type",
    "language",
)


def _byte_len(value: Any) -> int:
    return len(str(value).encode("utf-8"))


def _check_url(url: Any, *, is_sub: bool) -> str:
    if not url or not isinstance(url, str) or _byte_len(url) > 1024:
        raise WeChatError(
            errors.INVALID_SUB_BUTTON_URL_SIZE if is_sub else errors.INVALID_BUTTON_URL_SIZE
        )
    if not url.startswith(("http://", "https://")):
        raise WeChatError(
            errors.INVALID_SUB_BUTTON_URL_DOMAIN if is_sub else errors.INVALID_BUTTON_URL_DOMAIN
        )
    return url


def _check_button(button: Any, *, is_sub: bool) -> dict[str, Any]:
    type_error = errors.INVALID_SUB_BUTTON_TYPE if is_sub else errors.INVALID_BUTTON_TYPE
    if not isinstance(button, dict):
        raise WeChatError(type_error)
    name = button.get("name")
    if not name or not isinstance(name, str) or _byte_len(name) > (60 if is_sub else 16):
        raise WeChatError(
            errors.INVALID_SUB_BUTTON_NAME_SIZE if is_sub else errors.INVALID_BUTTON_NAME_SIZE
        )
    children = button.get("sub_button")
    if children and not button.get("type"):
        if is_sub:
            raise WeChatError(errors.INVALID_SUB_MENU_LEVEL)
        if not isinstance(children, list) or len(children) > 5:
            raise WeChatError(errors.INVALID_SUB_BUTTON_SIZE)
        return {"name": name, "sub_button": [_check_button(c, is_sub=True) for c in children]}
    kind = button.get("type")
    if kind not in BUTTON_TYPES:
        raise WeChatError(type_error)
    checked: dict[str, Any] = {"type": kind, "name": name}
    if kind in KEY_BUTTON_TYPES:
        key = button.get("key")
        if not key or not isinstance(key, str) or _byte_len(key) > 128:
            raise WeChatError(
                errors.INVALID_SUB_BUTTON_KEY_SIZE if is_sub else errors.INVALID_BUTTON_KEY_SIZE
            )
        checked["key"] = key
    elif kind == "view":
        checked["url"] = _check_url(button.get("url"), is_sub=is_sub)
    elif kind == "miniprogram":
        checked["url"] = _check_url(button.get("url"), is_sub=is_sub)
        if not button.get("appid") or not button.get("pagepath"):
            raise WeChatError(errors.INVALID_ARGS_97)
        checked["appid"] = button["appid"]
        checked["pagepath"] = button["pagepath"]
    elif kind in ("media_id", "view_limited"):
        if not button.get("media_id"):
            raise WeChatError(errors.INVALID_MEDIA_ID)
        checked["media_id"] = button["media_id"]
    elif kind in ("article_id", "article_view_limited"):
        if not button.get("article_id"):
            raise WeChatError(errors.INVALID_ARGS_97)
        checked["article_id"] = button["article_id"]
    # WeChat's menu/get shows an empty sub_button on every leaf.
    checked["sub_button"] = []
    return checked


def check_buttons(buttons: Any) -> list[dict[str, Any]]:
    """Validate a menu as WeChat does and return it as menu/get will show it."""
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        raise WeChatError(errors.INVALID_BUTTON_SIZE)
    return [_check_button(b, is_sub=False) for b in buttons]


def _new_menuid() -> int:
    return _new_number(9)


def do_create_menu(app: MockApp, *, buttons: Any) -> MockMenu:
    """/cgi-bin/menu/create: replace the default menu (conditional menus stay)."""
    checked = check_buttons(buttons)
    with transaction.atomic():
        MockMenu.objects.filter(app=app, is_conditional=False).delete()
        return MockMenu.objects.create(app=app, menuid=_new_menuid(), buttons=checked)


def do_delete_menu(app: MockApp) -> None:
    """/cgi-bin/menu/delete: the default menu and every conditional menu."""
    MockMenu.objects.filter(app=app).delete()


def do_add_conditional_menu(app: MockApp, *, buttons: Any, matchrule: Any) -> MockMenu:
    checked = check_buttons(buttons)
    if selectors.default_menu(app) is None:
        raise WeChatError(errors.NO_DEFAULT_MENU)
    if not isinstance(matchrule, dict):
        raise WeChatError(errors.MATCHRULE_EMPTY)
    rule = {k: matchrule[k] for k in MATCHRULE_FIELDS if matchrule.get(k) not in (None, "")}
    if not rule:
        raise WeChatError(errors.MATCHRULE_EMPTY)
    if ("province" in rule or "city" in rule) and "country" not in rule:
        raise WeChatError(errors.COUNTRY_REQUIRED)
    if "city" in rule and "province" not in rule:
        raise WeChatError(errors.PROVINCE_REQUIRED)
    return MockMenu.objects.create(
        app=app, menuid=_new_menuid(), is_conditional=True, buttons=checked, matchrule=rule
    )


def do_delete_conditional_menu(app: MockApp, *, menuid: Any) -> None:
    try:
        menuid = int(menuid)
    except (TypeError, ValueError) as exc:
        raise WeChatError(errors.NO_SUCH_CONDITIONAL_MENU) from exc
    deleted, _ = MockMenu.objects.filter(app=app, menuid=menuid, is_conditional=True).delete()
    if not deleted:
        raise WeChatError(errors.NO_SUCH_CONDITIONAL_MENU)


def try_match_menu(app: MockApp, *, user_id: str) -> list[dict[str, Any]]:
    """/cgi-bin/menu/trymatch: user_id is an openid or a WeChat ID."""
    user = selectors.get_user(app, user_id) or (
        MockUser.objects.filter(app=app, wechat_id=user_id).first() if user_id else None
    )
    if user is None:
        raise WeChatError(errors.NO_SUCH_USER)
    return selectors.menu_for_user(app, user)


# --- Media ------------------------------------------------------------------------------------
MEDIA_RULES: dict[str, tuple[int, set[str], int]] = {
    MediaType.IMAGE: (
        10 * 1024 * 1024,
        {"bmp", "png", "jpeg", "jpg", "gif"},
        errors.INVALID_IMAGE_SIZE,
    ),
    MediaType.VOICE: (2 * 1024 * 1024, {"amr", "mp3"}, errors.INVALID_VOICE_SIZE),
    MediaType.VIDEO: (10 * 1024 * 1024, {"mp4"}, errors.INVALID_VIDEO_SIZE),
    MediaType.THUMB: (64 * 1024, {"jpg", "jpeg"}, errors.INVALID_THUMB_SIZE),
}
CONTENT_TYPES = {
    "bmp": "image/bmp",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "jpg": "image/jpeg",
    "gif": "image/gif",
    "amr": "audio/amr",
    "mp3": "audio/mpeg",
    "mp4": "video/mp4",
}
IMAGE_SIGNATURES = {
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "bmp": (b"BM",),
}


def do_upload_media(
    app: MockApp, *, media_type: str, filename: str, content: bytes | None
) -> MockMedia:
    """/cgi-bin/media/upload: temporary media checked for type, format and size."""
    if media_type not in MEDIA_RULES:
        raise WeChatError(errors.INVALID_MEDIA_TYPE)
    if content is None:
        raise WeChatError(errors.MEDIA_DATA_MISSING)
    if not content:
        raise WeChatError(errors.EMPTY_MEDIA_DATA)
    max_bytes, extensions, size_error = MEDIA_RULES[media_type]
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in extensions:
        raise WeChatError(errors.INVALID_FILE_TYPE)
    if extension in IMAGE_SIGNATURES and not content.startswith(IMAGE_SIGNATURES[extension]):
        raise WeChatError(errors.INVALID_FILE_TYPE)
    if len(content) > max_bytes:
        raise WeChatError(size_error)
    return MockMedia.objects.create(
        app=app,
        media_id=secrets.token_urlsafe(48),
        type=media_type,
        content=content,
        content_type=CONTENT_TYPES[extension],
        filename=filename,
        created_at=_now(),
    )


# Permanent material (material/add_material): WeChat's formats and sizes for each type, and how
# many the account may keep (100,000 images, 1,000 of each other type; `quota_limits`
# "material_<type>" overrides them in tests).
MATERIAL_RULES: dict[str, tuple[int, set[str], int]] = {
    MediaType.IMAGE: (
        10 * 1024 * 1024,
        {"bmp", "png", "jpeg", "jpg", "gif"},
        errors.INVALID_IMAGE_SIZE,
    ),
    MediaType.VOICE: (2 * 1024 * 1024, {"mp3", "wma", "wav", "amr"}, errors.INVALID_VOICE_SIZE),
    MediaType.VIDEO: (10 * 1024 * 1024, {"mp4"}, errors.INVALID_VIDEO_SIZE),
    MediaType.THUMB: (64 * 1024, {"jpg", "jpeg"}, errors.INVALID_THUMB_SIZE),
}
MATERIAL_LIMITS = {"image": 100_000, "voice": 1_000, "video": 1_000, "thumb": 1_000}
MATERIAL_CONTENT_TYPES = {**CONTENT_TYPES, "wma": "audio/x-ms-wma", "wav": "audio/wav"}
# media/uploadnews: 1 to 8 articles; limits of the article fields (characters).
NEWS_MAX_ARTICLES = 8
NEWS_TITLE_MAX = 64
NEWS_DIGEST_MAX = 120
NEWS_CONTENT_MAX_CHARS = 20_000
NEWS_CONTENT_MAX_BYTES = 1024 * 1024
SCRIPT = re.compile(r"<script\b.*?</script\s*>", re.IGNORECASE | re.DOTALL)


def _check_file(
    rules: dict[str, tuple[int, set[str], int]],
    media_type: str,
    filename: str,
    content: bytes | None,
) -> str:
    """The file's extension once its type, format and size pass; WeChat's errcode otherwise."""
    if media_type not in rules:
        raise WeChatError(errors.INVALID_MEDIA_TYPE)
    if content is None:
        raise WeChatError(errors.MEDIA_DATA_MISSING)
    if not content:
        raise WeChatError(errors.EMPTY_MEDIA_DATA)
    max_bytes, extensions, size_error = rules[media_type]
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in extensions:
        raise WeChatError(errors.INVALID_FILE_TYPE)
    if extension in IMAGE_SIGNATURES and not content.startswith(IMAGE_SIGNATURES[extension]):
        raise WeChatError(errors.INVALID_FILE_TYPE)
    if len(content) > max_bytes:
        raise WeChatError(size_error)
    return extension


def material_limit(app: MockApp, media_type: str) -> int:
    override = (app.quota_limits or {}).get(f"material_{media_type}")
    return int(override) if override is not None else MATERIAL_LIMITS[media_type]


def do_add_material(
    app: MockApp,
    *,
    media_type: str,
    filename: str,
    content: bytes | None,
    description: str | None = None,
) -> MockMedia:
    """/cgi-bin/material/add_material: permanent material, checked as WeChat checks it. A video
    needs the `description` form field, JSON with its title and introduction."""
    extension = _check_file(MATERIAL_RULES, media_type, filename, content)
    title = introduction = ""
    if media_type == MediaType.VIDEO:
        try:
            described = json.loads(description or "")
        except ValueError as exc:
            raise WeChatError(errors.INVALID_ARGS) from exc
        if not isinstance(described, dict) or not str(described.get("title") or "").strip():
            raise WeChatError(errors.INVALID_ARGS)
        title = str(described["title"])
        introduction = str(described.get("introduction") or "")
        if len(title) > NEWS_TITLE_MAX:
            raise WeChatError(errors.TITLE_SIZE_OUT_OF_LIMIT)
    held = MockMedia.objects.filter(app=app, is_permanent=True, type=media_type).count()
    if held >= material_limit(app, media_type):
        raise WeChatError(errors.MEDIA_SIZE_OUT_OF_LIMIT)
    return MockMedia.objects.create(
        app=app,
        media_id=secrets.token_urlsafe(32),
        type=media_type,
        content=content,
        content_type=MATERIAL_CONTENT_TYPES[extension],
        filename=filename,
        is_permanent=True,
        title=title,
        introduction=introduction,
        created_at=_now(),
    )


def do_delete_material(app: MockApp, *, media_id: Any) -> None:
    """/cgi-bin/material/del_material: only permanent material can be deleted."""
    if not media_id:
        raise WeChatError(errors.MEDIA_ID_MISSING)
    deleted, _ = MockMedia.objects.filter(
        app=app, media_id=str(media_id), is_permanent=True
    ).delete()
    if not deleted:
        raise WeChatError(errors.INVALID_MEDIA_ID)


def do_upload_video(app: MockApp, *, body: dict[str, Any]) -> MockMedia:
    """/cgi-bin/media/uploadvideo: a video's media id (temporary or permanent) turned into the
    mpvideo media id a mass message takes, with the title and description followers see."""
    source = selectors.get_media(app, str(body.get("media_id") or ""))
    if not body.get("media_id"):
        raise WeChatError(errors.MEDIA_ID_MISSING)
    if source is None or source.type != MediaType.VIDEO:
        raise WeChatError(errors.INVALID_MEDIA_ID)
    title = str(body.get("title") or "")
    if len(title) > NEWS_TITLE_MAX:
        raise WeChatError(errors.TITLE_SIZE_OUT_OF_LIMIT)
    return MockMedia.objects.create(
        app=app,
        media_id=secrets.token_urlsafe(48),
        type=MediaType.MPVIDEO,
        content=bytes(source.content),
        content_type=source.content_type,
        filename=source.filename,
        title=title,
        introduction=str(body.get("description") or ""),
        created_at=_now(),
    )


def _check_article(app: MockApp, article: Any) -> dict[str, Any]:
    if not isinstance(article, dict):
        raise WeChatError(errors.EMPTY_NEWS_DATA)
    title = str(article.get("title") or "")
    content = str(article.get("content") or "")
    digest = str(article.get("digest") or "")
    thumb = str(article.get("thumb_media_id") or "")
    if not title.strip():
        raise WeChatError(errors.EMPTY_NEWS_DATA)
    if len(title) > NEWS_TITLE_MAX:
        raise WeChatError(errors.TITLE_SIZE_OUT_OF_LIMIT)
    if len(digest) > NEWS_DIGEST_MAX:
        raise WeChatError(errors.DESCRIPTION_SIZE_OUT_OF_LIMIT)
    if not content.strip():
        raise WeChatError(errors.EMPTY_CONTENT)
    if (
        len(content) >= NEWS_CONTENT_MAX_CHARS
        or len(content.encode("utf-8")) >= NEWS_CONTENT_MAX_BYTES
    ):
        raise WeChatError(errors.CONTENT_SIZE_OUT_OF_LIMIT)
    if not thumb:
        raise WeChatError(errors.MEDIA_ID_MISSING)
    cover = selectors.get_media(app, thumb)
    if cover is None or cover.type not in (MediaType.IMAGE, MediaType.THUMB):
        raise WeChatError(errors.INVALID_MEDIA_ID)
    return {
        "title": title,
        "thumb_media_id": thumb,
        "author": str(article.get("author") or ""),
        "digest": digest,
        "content": SCRIPT.sub("", content),  # WeChat removes scripts from the content
        "content_source_url": str(article.get("content_source_url") or ""),
        "show_cover_pic": 1 if article.get("show_cover_pic") in (1, "1", True) else 0,
    }


def do_upload_news(app: MockApp, *, body: dict[str, Any]) -> MockMedia:
    """/cgi-bin/media/uploadnews: 1 to 8 articles for an mpnews mass message (3 days)."""
    articles = body.get("articles")
    if not isinstance(articles, list) or not articles:
        raise WeChatError(errors.EMPTY_NEWS_DATA)
    if len(articles) > NEWS_MAX_ARTICLES:
        raise WeChatError(errors.ARTICLE_SIZE_OUT_OF_LIMIT)
    checked = [_check_article(app, article) for article in articles]
    return MockMedia.objects.create(
        app=app,
        media_id=secrets.token_urlsafe(48),
        type=MediaType.NEWS,
        content=b"",
        content_type="application/json",
        articles=checked,
        created_at=_now(),
    )


def _require_media(app: MockApp, media_id: Any) -> None:
    if not media_id:
        raise WeChatError(errors.MEDIA_ID_MISSING)
    if selectors.get_media(app, str(media_id)) is None:
        raise WeChatError(errors.INVALID_MEDIA_ID)


# --- Messages to users ------------------------------------------------------------------------
CUSTOM_TYPES = {
    "text",
    "image",
    "voice",
    "video",
    "music",
    "news",
    "mpnews",
    "mpnewsarticle",
    "msgmenu",
    "wxcard",
    "miniprogrampage",
}
MASS_TYPES = {"mpnews", "text", "voice", "image", "mpvideo", "wxcard"}


def _deliver(
    app: MockApp,
    *,
    openid: str,
    channel: str,
    msgtype: str,
    payload: dict[str, Any],
    msg_id: Any = "",
) -> MockDelivered:
    return MockDelivered.objects.create(
        app=app,
        openid=openid,
        channel=channel,
        msgtype=msgtype,
        payload=payload,
        msg_id=str(msg_id or ""),
        created_at=_now(),
    )


def _check_content(app: MockApp, msgtype: str, content: Any) -> None:
    if not isinstance(content, dict):
        raise WeChatError(errors.INVALID_MESSAGE_TYPE)
    if msgtype == "text" and not content.get("content"):
        raise WeChatError(errors.EMPTY_CONTENT)
    if msgtype in ("image", "voice", "video"):
        _require_media(app, content.get("media_id"))
    if msgtype == "news":
        articles = content.get("articles")
        if not articles or not isinstance(articles, list):
            raise WeChatError(errors.EMPTY_NEWS_DATA)
        if len(articles) > 1:  # customer-service news carries one article since 2018
            raise WeChatError(errors.ARTICLE_SIZE_OUT_OF_LIMIT)
    if msgtype == "msgmenu" and not content.get("list"):
        raise WeChatError(errors.INVALID_ARGS)


def do_send_custom_message(app: MockApp, *, body: dict[str, Any]) -> MockDelivered:
    """/cgi-bin/message/custom/send, allowed for 48 hours after the user's last interaction."""
    user = selectors.require_user(app, str(body.get("touser") or ""))
    msgtype = body.get("msgtype")
    if msgtype not in CUSTOM_TYPES:
        raise WeChatError(errors.INVALID_MESSAGE_TYPE)
    _check_content(app, msgtype, body.get(msgtype))
    if not user.is_subscribed:
        raise WeChatError(errors.REQUIRE_SUBSCRIBE)
    if (
        user.last_interaction_at is None
        or _now() - user.last_interaction_at > CUSTOMER_SERVICE_WINDOW
    ):
        raise WeChatError(errors.RESPONSE_OUT_OF_TIME_LIMIT)
    payload = {k: v for k, v in body.items() if k != "touser"}
    return _deliver(
        app, openid=user.openid, channel=Channel.CUSTOM, msgtype=msgtype, payload=payload
    )


def do_send_template_message(app: MockApp, *, body: dict[str, Any]) -> int:
    """/cgi-bin/message/template/send: deliver, then post TEMPLATESENDJOBFINISH (success, or
    "failed:user block" when the user turned this account's template messages off)."""
    user = selectors.require_user(app, str(body.get("touser") or ""))
    template_id = body.get("template_id")
    known = {t.get("template_id") for t in app.templates or []}
    if not template_id or (known and template_id not in known):
        raise WeChatError(errors.INVALID_TEMPLATE_ID)
    if not user.is_subscribed:
        raise WeChatError(errors.REQUIRE_SUBSCRIBE)
    client_msg_id = str(body.get("client_msg_id") or "")
    if client_msg_id:
        earlier = (
            MockDelivered.objects.filter(
                app=app,
                openid=user.openid,
                channel=Channel.TEMPLATE,
                payload__client_msg_id=client_msg_id,
                created_at__gte=_now() - TEMPLATE_DEDUPE_WINDOW,
            )
            .order_by("id")
            .first()
        )
        if earlier is not None:
            return int(earlier.msg_id)
    msgid = _new_number(10)
    status = "failed:user block" if user.blocks_templates else "success"
    if not user.blocks_templates:
        payload = {k: v for k, v in body.items() if k != "touser"}
        _deliver(
            app,
            openid=user.openid,
            channel=Channel.TEMPLATE,
            msgtype="template",
            payload=payload,
            msg_id=msgid,
        )
    dispatch_event(
        AppSnapshot.of(app),
        {
            "ToUserName": app.original_id,
            "FromUserName": user.openid,
            "CreateTime": _unix(),
            "MsgType": "event",
            "Event": "TEMPLATESENDJOBFINISH",
            "MsgID": msgid,
            "Status": status,
        },
    )
    return msgid


# What each mass message type's media id must be: (media types, permanent only).
MASS_MEDIA = {
    "image": ({MediaType.IMAGE}, True),
    "voice": ({MediaType.VOICE}, True),
    "mpvideo": ({MediaType.MPVIDEO}, False),
    "mpnews": ({MediaType.NEWS}, False),
}
MUST_BE_MATERIAL = "invalid media_id, must be uploaded by api(cgi-bin/material/add_material)"


def _check_mass_media(app: MockApp, msgtype: str, media_ids: list[Any]) -> None:
    """Image and voice mass messages take permanent material only; mpvideo a media id of
    media/uploadvideo, mpnews one of media/uploadnews (both expire after 3 days)."""
    types, permanent_only = MASS_MEDIA[msgtype]
    for media_id in media_ids:
        media = selectors.get_media(app, str(media_id or ""))
        if media is None or media.type not in types:
            raise WeChatError(errors.INVALID_MEDIA_ID)
        if permanent_only and not media.is_permanent:
            raise WeChatError(errors.INVALID_MEDIA_ID, MUST_BE_MATERIAL)


def _check_mass_body(app: MockApp, body: dict[str, Any]) -> tuple[str, str]:
    msgtype = body.get("msgtype")
    if msgtype not in MASS_TYPES or not isinstance(body.get(msgtype), dict):
        # The newer shape of an image mass message: {"msgtype": "image", "images": {...}}.
        if not (msgtype == "image" and isinstance(body.get("images"), dict)):
            raise WeChatError(errors.INVALID_MESSAGE_TYPE)
    content = body.get(msgtype) if isinstance(body.get(msgtype), dict) else body["images"]
    if msgtype == "text" and not content.get("content"):
        raise WeChatError(errors.EMPTY_CONTENT)
    if msgtype == "text" and len(str(content["content"]).encode("utf-8")) > MASS_TEXT_MAX_BYTES:
        raise WeChatError(errors.CONTENT_SIZE_OUT_OF_LIMIT)
    if msgtype in ("mpnews", "voice", "mpvideo") and not content.get("media_id"):
        raise WeChatError(errors.MEDIA_ID_MISSING)
    if msgtype == "image" and not (content.get("media_ids") or content.get("media_id")):
        raise WeChatError(errors.MEDIA_ID_MISSING)
    if msgtype in MASS_MEDIA:
        ids = content.get("media_ids") or [content.get("media_id")]
        _check_mass_media(app, msgtype, ids if isinstance(ids, list) else [ids])
    clientmsgid = str(body.get("clientmsgid") or "")
    if len(clientmsgid) > 64:
        raise WeChatError(errors.CLIENTMSGID_TOO_LONG)
    return msgtype, clientmsgid


def _refuse_repeated_clientmsgid(app: MockApp, clientmsgid: str) -> None:
    """45065 with the earlier msg_id when the clientmsgid was used in the last 24 hours. An older
    use is forgotten, as WeChat forgets it: the same clientmsgid sends again."""
    if not clientmsgid:
        return
    earlier = MockMassJob.objects.filter(app=app, clientmsgid=clientmsgid).first()
    if earlier is None:
        return
    if earlier.created_at > _now() - CLIENTMSGID_MEMORY:
        raise WeChatError(errors.CLIENTMSGID_EXISTS, msg_id=earlier.msg_id)
    # Free the unique key for the new job; the old one keeps its clientmsgid in the payload.
    MockMassJob.objects.filter(pk=earlier.pk).update(clientmsgid="")


def _month_start() -> datetime:
    local = timezone.localtime(_now())
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _run_mass_job(
    app: MockApp,
    *,
    target: str,
    tag_id: int | None,
    total: int,
    recipients: list[str],
    msgtype: str,
    clientmsgid: str,
    body: dict[str, Any],
) -> MockMassJob:
    """Create the job and one delivery row per recipient who has not had this month's four.

    Sized for a million followers: the month's counts are read for these recipients only, and
    the rows are inserted in one batch without a model instance each. A mass delivery row
    carries no payload of its own (the job holds it; `selectors.delivered_payloads` joins it)."""
    limit = quota_limit(app, "mass_per_follower_month") or MASS_PER_FOLLOWER_PER_MONTH
    received = selectors.mass_counts_this_month(app, recipients, since=_month_start())
    eligible = [openid for openid in recipients if received.get(openid, 0) < limit]
    payload = {k: v for k, v in body.items() if k not in ("touser", "filter")}
    try:
        with transaction.atomic():
            job = MockMassJob.objects.create(
                app=app,
                msg_id=_new_number(10),
                msg_data_id=_new_number(10) if msgtype == "mpnews" else None,
                clientmsgid=clientmsgid,
                target=target,
                tag_id=tag_id,
                msgtype=msgtype,
                payload=payload,
                status=MassStatus.SEND_SUCCESS,
                total_count=total,
                filter_count=len(eligible),
                sent_count=len(eligible),
                error_count=0,
                created_at=_now(),
            )
            _insert_mass_deliveries(app, job, eligible)
    except IntegrityError:
        # Two sends with one clientmsgid raced: the loser answers like a repeat.
        _refuse_repeated_clientmsgid(app, clientmsgid)
        raise
    dispatch_event(
        AppSnapshot.of(app),
        {
            "ToUserName": app.original_id,
            "FromUserName": "mphelper",
            "CreateTime": _unix(),
            "MsgType": "event",
            "Event": "MASSSENDJOBFINISH",
            "MsgID": job.msg_id,
            "Status": "send success",
            "TotalCount": job.total_count,
            "FilterCount": job.filter_count,
            "SentCount": job.sent_count,
            "ErrorCount": job.error_count,
        },
    )
    return job


def _insert_mass_deliveries(app: MockApp, job: MockMassJob, openids: list[str]) -> None:
    table = MockDelivered._meta.db_table
    created = connection.ops.adapt_datetimefield_value(job.created_at)
    sql = (
        f"INSERT INTO {table} (app_id, openid, channel, msgtype, payload, msg_id, created_at) "  # noqa: S608 - the model's table; values are parameters
        "VALUES (%s, %s, %s, %s, %s, %s, %s)"
    )
    channel, msgtype, msg_id = Channel.MASS.value, job.msgtype, str(job.msg_id)
    rows = [(app.pk, o, channel, msgtype, "{}", msg_id, created) for o in openids]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def do_mass_send_all(app: MockApp, *, body: dict[str, Any]) -> MockMassJob:
    """/cgi-bin/message/mass/sendall to every follower or to a tag. Followers who already got
    four mass messages this month are filtered out (FilterCount counts those who remain)."""
    msgtype, clientmsgid = _check_mass_body(app, body)
    _refuse_repeated_clientmsgid(app, clientmsgid)
    filter_ = body.get("filter") if isinstance(body.get("filter"), dict) else {}
    if filter_.get("is_to_all") in (True, "true", 1):
        recipients = list(selectors.followers(app).values_list("openid", flat=True))
        target, tag_id = MassTarget.ALL, None
    else:
        try:
            tag_id = int(filter_.get("tag_id"))
        except (TypeError, ValueError) as exc:
            raise WeChatError(errors.INVALID_GROUP_ID) from exc
        if not selectors.tag_exists(app, tag_id):
            raise WeChatError(errors.INVALID_GROUP_ID)
        recipients = [u.openid for u in selectors.followers_with_tag(app, tag_id)]
        target = MassTarget.TAG
    return _run_mass_job(
        app,
        target=target,
        tag_id=tag_id,
        total=len(recipients),
        recipients=recipients,
        msgtype=msgtype,
        clientmsgid=clientmsgid,
        body=body,
    )


def do_mass_send(app: MockApp, *, body: dict[str, Any]) -> MockMassJob:
    """/cgi-bin/message/mass/send to 2..10,000 openids (unfollowed ones are filtered out)."""
    msgtype, clientmsgid = _check_mass_body(app, body)
    touser = body.get("touser")
    if not isinstance(touser, list):
        raise WeChatError(errors.INVALID_OPENID_LIST_SIZE)
    openids = list(dict.fromkeys(str(o) for o in touser))
    if len(openids) < 2:
        raise WeChatError(errors.OPENID_LIST_TOO_SHORT)
    if len(openids) > 10_000:
        raise WeChatError(errors.INVALID_OPENID_LIST_SIZE)
    _refuse_repeated_clientmsgid(app, clientmsgid)
    following = selectors.following_states(app, openids)
    for openid in openids:
        if openid not in following:
            selectors.require_user(app, openid)
    recipients = [o for o in openids if following[o]]
    return _run_mass_job(
        app,
        target=MassTarget.OPENIDS,
        tag_id=None,
        total=len(openids),
        recipients=recipients,
        msgtype=msgtype,
        clientmsgid=clientmsgid,
        body=body,
    )


def do_mass_preview(app: MockApp, *, body: dict[str, Any]) -> int:
    """/cgi-bin/message/mass/preview to one user (towxname wins over touser)."""
    msgtype, _ = _check_mass_body(app, body)
    if body.get("towxname"):
        user = MockUser.objects.filter(app=app, wechat_id=body["towxname"]).first()
        if user is None:
            raise WeChatError(errors.INVALID_USERNAME)
    else:
        user = selectors.require_user(app, str(body.get("touser") or ""))
    if not user.is_subscribed:
        raise WeChatError(errors.REQUIRE_SUBSCRIBE)
    msg_id = _new_number(10)
    payload = {k: v for k, v in body.items() if k not in ("touser", "towxname")}
    _deliver(
        app,
        openid=user.openid,
        channel=Channel.PREVIEW,
        msgtype=msgtype,
        payload=payload,
        msg_id=msg_id,
    )
    return msg_id


def do_mass_delete(app: MockApp, *, msg_id: Any) -> None:
    job = selectors.get_mass_job(app, msg_id)
    if job is None:
        raise WeChatError(errors.INVALID_ARGS)
    job.is_deleted = True
    job.status = MassStatus.DELETE
    job.save(update_fields=["is_deleted", "status"])


# --- QR codes ---------------------------------------------------------------------------------
MAX_TEMPORARY_QR_SECONDS = 2_592_000
DEFAULT_TEMPORARY_QR_SECONDS = 60
MAX_PERMANENT_QR = 100_000


def do_create_qrcode(app: MockApp, *, body: dict[str, Any]) -> MockQrCode:
    """/cgi-bin/qrcode/create. A permanent code for a scene that has one already is returned
    again rather than duplicated."""
    action = body.get("action_name")
    if action not in QrAction.values:
        raise WeChatError(errors.INVALID_ACTION_NAME)
    info = body.get("action_info")
    scene = info.get("scene") if isinstance(info, dict) else None
    if not isinstance(scene, dict):
        raise WeChatError(errors.INVALID_ACTION_INFO)
    scene_id: int | None = None
    scene_str = ""
    if action in (QrAction.QR_SCENE, QrAction.QR_LIMIT_SCENE):
        upper = 0xFFFFFFFF if action == QrAction.QR_SCENE else MAX_PERMANENT_QR
        try:
            scene_id = int(scene.get("scene_id"))
        except (TypeError, ValueError) as exc:
            raise WeChatError(errors.INVALID_ACTION_INFO) from exc
        if not 1 <= scene_id <= upper:
            raise WeChatError(errors.INVALID_ACTION_INFO)
    else:
        scene_str = scene.get("scene_str")
        if not isinstance(scene_str, str) or not 1 <= len(scene_str) <= 64:
            raise WeChatError(errors.INVALID_ACTION_INFO)
    expire_seconds: int | None = None
    if action in (QrAction.QR_SCENE, QrAction.QR_STR_SCENE):
        try:
            expire_seconds = int(body.get("expire_seconds", DEFAULT_TEMPORARY_QR_SECONDS))
        except (TypeError, ValueError) as exc:
            raise WeChatError(errors.INVALID_ARGS) from exc
        if not 1 <= expire_seconds <= MAX_TEMPORARY_QR_SECONDS:
            raise WeChatError(errors.INVALID_ARGS)
    else:
        same = MockQrCode.objects.filter(
            app=app, action_name=action, scene_id=scene_id, scene_str=scene_str
        ).first()
        if same is not None:
            return same
        permanent = MockQrCode.objects.filter(
            app=app, action_name__in=[QrAction.QR_LIMIT_SCENE, QrAction.QR_LIMIT_STR_SCENE]
        )
        if permanent.count() >= MAX_PERMANENT_QR:
            raise WeChatError(errors.INVALID_ACTION_INFO)
    url = new_qr_url()
    return MockQrCode.objects.create(
        app=app,
        ticket=new_ticket(url, expire_seconds),
        url=url,
        action_name=action,
        scene_id=scene_id,
        scene_str=scene_str,
        expire_seconds=expire_seconds,
        created_at=_now(),
    )


def qrcode_answer(qr: MockQrCode) -> dict[str, Any]:
    if qr.expire_seconds is None:
        return {"ticket": qr.ticket, "url": qr.url}
    return {"ticket": qr.ticket, "expire_seconds": qr.expire_seconds, "url": qr.url}


# --- Users and tags ---------------------------------------------------------------------------
def _tag_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise WeChatError(errors.TAG_NAME_EXISTS)  # WeChat: "标签名非法"
    if _byte_len(name) > MAX_TAG_NAME_BYTES:
        raise WeChatError(errors.TAG_NAME_TOO_LONG)
    return name


def do_create_tag(app: MockApp, *, name: Any) -> MockTag:
    name = _tag_name(name)
    with transaction.atomic():
        app = MockApp.objects.select_for_update().get(pk=app.pk)
        if MockTag.objects.filter(app=app, name=name).exists() or name == selectors.STAR_TAG_NAME:
            raise WeChatError(errors.TAG_NAME_EXISTS)
        if MockTag.objects.filter(app=app).count() >= MAX_TAGS:
            raise WeChatError(errors.TOO_MANY_TAGS)
        app.last_tag_id = max(app.last_tag_id, 99) + 1
        app.save(update_fields=["last_tag_id"])
        return MockTag.objects.create(app=app, tag_id=app.last_tag_id, name=name)


def _existing_tag(app: MockApp, tag_id: Any) -> MockTag:
    try:
        tag_id = int(tag_id)
    except (TypeError, ValueError) as exc:
        raise WeChatError(errors.INVALID_TAG_ID) from exc
    if tag_id in selectors.RESERVED_TAG_IDS:
        raise WeChatError(errors.RESERVED_TAG)
    tag = MockTag.objects.filter(app=app, tag_id=tag_id).first()
    if tag is None:
        raise WeChatError(errors.INVALID_TAG_ID)
    return tag


def do_update_tag(app: MockApp, *, tag_id: Any, name: Any) -> None:
    tag = _existing_tag(app, tag_id)
    name = _tag_name(name)
    if MockTag.objects.filter(app=app, name=name).exclude(pk=tag.pk).exists():
        raise WeChatError(errors.TAG_NAME_EXISTS)
    tag.name = name
    tag.save(update_fields=["name"])


def do_delete_tag(app: MockApp, *, tag_id: Any) -> None:
    tag = _existing_tag(app, tag_id)
    with transaction.atomic():
        for user in MockUser.objects.filter(app=app):
            if tag.tag_id in user.tagid_list:
                user.tagid_list = [t for t in user.tagid_list if t != tag.tag_id]
                user.save(update_fields=["tagid_list"])
        tag.delete()


def _tagging_targets(app: MockApp, *, openids: Any, tag_id: Any) -> tuple[int, list[MockUser]]:
    if not isinstance(openids, list) or not 1 <= len(openids) <= 50:
        raise WeChatError(errors.INVALID_OPENID_LIST_SIZE)
    try:
        tag_id = int(tag_id)
    except (TypeError, ValueError) as exc:
        raise WeChatError(errors.INVALID_TAG_ID) from exc
    if not selectors.tag_exists(app, tag_id):
        raise WeChatError(errors.INVALID_TAG_ID)
    return tag_id, [selectors.require_user(app, str(o)) for o in openids]


def do_tag_users(app: MockApp, *, openids: Any, tag_id: Any) -> None:
    tag_id, users = _tagging_targets(app, openids=openids, tag_id=tag_id)
    for user in users:
        if tag_id not in user.tagid_list and len(user.tagid_list) >= MAX_TAGS_PER_USER:
            raise WeChatError(errors.USER_HAS_TOO_MANY_TAGS)
    with transaction.atomic():
        for user in users:
            if tag_id not in user.tagid_list:
                user.tagid_list = [*user.tagid_list, tag_id]
                user.save(update_fields=["tagid_list"])


def do_untag_users(app: MockApp, *, openids: Any, tag_id: Any) -> None:
    tag_id, users = _tagging_targets(app, openids=openids, tag_id=tag_id)
    with transaction.atomic():
        for user in users:
            if tag_id in user.tagid_list:
                user.tagid_list = [t for t in user.tagid_list if t != tag_id]
                user.save(update_fields=["tagid_list"])


# --- Web authorisation (OAuth2) ---------------------------------------------------------------
def do_issue_oauth_code(app: MockApp, *, openid: str, scope: str) -> str:
    """The code the authorise page hands to redirect_uri: single use, 5 minutes."""
    code = "0" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(31))
    MockOAuthCode.objects.create(app=app, code=code, openid=openid, scope=scope, created_at=_now())
    return code


def oauth_token_answer(token: MockOAuthToken) -> dict[str, Any]:
    data: dict[str, Any] = {
        "access_token": token.access_token,
        "expires_in": 7200,
        "refresh_token": token.refresh_token,
        "openid": token.openid,
        "scope": token.scope,
    }
    user = selectors.get_user(token.app, token.openid)
    if user is not None and user.unionid:
        data["unionid"] = user.unionid
    return data


def do_exchange_oauth_code(
    *, appid: str, secret: str, code: str, grant_type: str
) -> MockOAuthToken:
    """/sns/oauth2/access_token: 40029 unknown or expired code, 40163 a code used before."""
    app = check_credentials(appid, secret)
    if grant_type != "authorization_code":
        raise WeChatError(errors.INVALID_GRANT_TYPE)
    if not code:
        raise WeChatError(errors.CODE_MISSING)
    row = MockOAuthCode.objects.filter(app=app, code=code).first()
    if row is None or _now() - row.created_at > OAUTH_CODE_LIFETIME:
        raise WeChatError(errors.INVALID_CODE)
    now = _now()
    if not MockOAuthCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now):
        raise WeChatError(errors.CODE_BEEN_USED)
    return MockOAuthToken.objects.create(
        app=app,
        access_token=secrets.token_urlsafe(66),
        refresh_token=secrets.token_urlsafe(66),
        openid=row.openid,
        scope=row.scope,
        expires_at=now + TOKEN_LIFETIME,
        refresh_expires_at=now + OAUTH_REFRESH_LIFETIME,
        created_at=now,
    )


def do_refresh_oauth_token(*, appid: str, refresh_token: str, grant_type: str) -> MockOAuthToken:
    app = selectors.get_app(appid)
    if app is None:
        raise WeChatError(errors.INVALID_APPID if appid else errors.APPID_MISSING)
    if grant_type != "refresh_token":
        raise WeChatError(errors.INVALID_GRANT_TYPE)
    if not refresh_token:
        raise WeChatError(errors.REFRESH_TOKEN_MISSING)
    token = MockOAuthToken.objects.filter(app=app, refresh_token=refresh_token).first()
    if token is None:
        raise WeChatError(errors.INVALID_REFRESH_TOKEN)
    now = _now()
    if now >= token.refresh_expires_at:
        raise WeChatError(errors.REFRESH_TOKEN_EXPIRED)
    token.access_token = secrets.token_urlsafe(66)
    token.expires_at = now + TOKEN_LIFETIME
    token.save(update_fields=["access_token", "expires_at"])
    return token


def sns_userinfo(*, access_token: str, openid: str) -> dict[str, Any]:
    """/sns/userinfo for an snsapi_userinfo token (48001 for snsapi_base). Since October 2021
    WeChat no longer returns sex or region: they come back as 0 and ""."""
    token = selectors.authenticate_oauth_token(access_token)
    if not openid or openid != token.openid:
        raise WeChatError(errors.INVALID_OPENID)
    if token.scope != "snsapi_userinfo":
        raise WeChatError(errors.API_UNAUTHORIZED)
    user = selectors.get_user(token.app, openid)
    if user is None:
        raise WeChatError(errors.INVALID_OPENID)
    data: dict[str, Any] = {
        "openid": user.openid,
        "nickname": user.nickname or "微信用户",
        "sex": 0,
        "province": "",
        "city": "",
        "country": "",
        "headimgurl": user.avatar_url,
        "privilege": [],
    }
    if user.unionid:
        data["unionid"] = user.unionid
    return data


# --- Simulated users acting: each posts a signed callback to the app --------------------------
def _require_follower(user: MockUser) -> None:
    if not user.is_subscribed:
        raise AppError("not_subscribed", "This user does not follow the account.", status=409)


def _user_or_404(app: MockApp, openid: str) -> MockUser:
    user = selectors.get_user(app, openid)
    if user is None:
        raise AppError("unknown_user", f"No user {openid} for this app.", status=404)
    return user


def _base_fields(app: MockApp, user: MockUser, msgtype: str) -> dict[str, Any]:
    return {
        "ToUserName": app.original_id,
        "FromUserName": user.openid,
        "CreateTime": _unix(),
        "MsgType": msgtype,
    }


def _event_fields(app: MockApp, user: MockUser, event: str, **extra: Any) -> dict[str, Any]:
    return {**_base_fields(app, user, "event"), "Event": event, **extra}


def _message_fields(app: MockApp, user: MockUser, msgtype: str, **extra: Any) -> dict[str, Any]:
    # MsgId is the last field in WeChat's XML.
    return {**_base_fields(app, user, msgtype), **extra, "MsgId": _new_number(19)}


def _act(
    app: MockApp,
    user: MockUser,
    fields: dict[str, Any],
    *,
    is_message: bool,
    opens_window: bool,
    shows_reply: bool = True,
) -> CallbackResult:
    """Post the callback (outside any transaction) and record the passive reply the user sees."""
    if opens_window:
        user.last_interaction_at = _now()
        user.save(update_fields=["last_interaction_at"])
    result = post_callback(AppSnapshot.of(app), fields, is_message=is_message)
    reply = result.reply
    if result.ok and reply and reply.get("MsgType") != "transfer_customer_service" and shows_reply:
        media = reply.get(str(reply.get("MsgType", "")).capitalize())
        media_id = media.get("MediaId") if isinstance(media, dict) else None
        if media_id and selectors.get_media(app, media_id) is None:
            result.ok = False
            result.error = "the reply names an unknown or expired MediaId"
        else:
            delivered = _deliver(
                app,
                openid=user.openid,
                channel=Channel.PASSIVE,
                msgtype=str(reply.get("MsgType")),
                payload=reply,
            )
            result.delivered_id = delivered.id
    remember(result)
    return result


def _qr_by_scene(app: MockApp, scene: str | int) -> MockQrCode:
    """The newest live QR code for a scene, or a new temporary one (30 days)."""
    scene = str(scene)
    lookup = {"scene_id": int(scene)} if scene.isdigit() else {"scene_str": scene}
    for qr in MockQrCode.objects.filter(app=app, **lookup).order_by("-id"):
        if selectors.get_qrcode(qr.ticket) is not None:
            return qr
    if scene.isdigit():
        body = {"action_name": "QR_SCENE", "action_info": {"scene": {"scene_id": int(scene)}}}
    else:
        body = {"action_name": "QR_STR_SCENE", "action_info": {"scene": {"scene_str": scene}}}
    body["expire_seconds"] = MAX_TEMPORARY_QR_SECONDS
    return do_create_qrcode(app, body=body)


def _live_qr(app: MockApp, ticket: str) -> MockQrCode:
    qr = selectors.get_qrcode(ticket)
    if qr is None or qr.app_id != app.pk:
        raise AppError("qr_expired", "This QR code is unknown or has expired.", status=409)
    return qr


def user_subscribes(
    app: MockApp | str,
    openid: str,
    /,
    *,
    ticket: str = "",
    scene: str | int | None = None,
    subscribe_scene: str = "",
) -> CallbackResult:
    """The user follows the account, through a QR code when `ticket` or `scene` is given
    (EventKey qrscene_<scene> + Ticket). A follower scanning a code sends SCAN instead."""
    app = _app(app)
    user = _user_or_404(app, openid)
    qr = (
        _live_qr(app, ticket) if ticket else _qr_by_scene(app, scene) if scene is not None else None
    )
    if user.is_subscribed:
        if qr is None:
            raise AppError(
                "already_subscribed", "This user already follows the account.", status=409
            )
        return _act(
            app,
            user,
            _event_fields(app, user, "SCAN", EventKey=qr.scene, Ticket=qr.ticket),
            is_message=False,
            opens_window=True,
        )
    user.is_subscribed = True
    user.subscribe_time = _now()
    user.subscribe_scene = subscribe_scene or ("ADD_SCENE_QR_CODE" if qr else "ADD_SCENE_SEARCH")
    user.qr_scene = (qr.scene_id or 0) if qr else 0
    user.qr_scene_str = qr.scene_str if qr else ""
    user.save(
        update_fields=[
            "is_subscribed",
            "subscribe_time",
            "subscribe_scene",
            "qr_scene",
            "qr_scene_str",
        ]
    )
    extra = {"EventKey": f"qrscene_{qr.scene}", "Ticket": qr.ticket} if qr else {}
    return _act(
        app,
        user,
        _event_fields(app, user, "subscribe", **extra),
        is_message=False,
        opens_window=True,
    )


def user_unsubscribes(app: MockApp | str, openid: str, /) -> CallbackResult:
    app = _app(app)
    user = _user_or_404(app, openid)
    _require_follower(user)
    user.is_subscribed = False
    user.unsubscribe_time = _now()
    user.save(update_fields=["is_subscribed", "unsubscribe_time"])
    # WeChat shows nothing to someone who has just left, whatever the app answers.
    return _act(
        app,
        user,
        _event_fields(app, user, "unsubscribe"),
        is_message=False,
        opens_window=False,
        shows_reply=False,
    )


def user_scans(app: MockApp | str, openid: str, ticket: str, /) -> CallbackResult:
    """Scanning a parametric QR code: SCAN for a follower, subscribe (qrscene_) otherwise."""
    return user_subscribes(app, openid, ticket=ticket)


def user_sends_text(app: MockApp | str, openid: str, content: str, /) -> CallbackResult:
    app = _app(app)
    user = _user_or_404(app, openid)
    _require_follower(user)
    fields = _message_fields(app, user, "text", Content=content)
    return _act(app, user, fields, is_message=True, opens_window=True)


def user_sends_image(
    app: MockApp | str,
    openid: str,
    /,
    *,
    image: bytes | None = None,
    base_url: str = "",
) -> CallbackResult:
    """The user sends a picture (a generated PNG unless `image` is given); PicUrl points at the
    mock's media download under `base_url` (e.g. http://127.0.0.1:8000/wxmock)."""
    app = _app(app)
    user = _user_or_404(app, openid)
    _require_follower(user)
    content = image or png_for(f"weizheng mock image {secrets.token_hex(4)}", scale=4)
    media = do_upload_media(
        app,
        media_type=MediaType.IMAGE,
        filename="photo.png" if content.startswith(b"\x89PNG") else "photo.jpg",
        content=content,
    )
    pic_url = (
        f"{base_url.rstrip('/')}/_control/media/{media.media_id}"
        if base_url
        else (f"http://mmbiz.qpic.cn/mmbiz_jpg/{media.media_id}/0")
    )
    fields = _message_fields(app, user, "image", PicUrl=pic_url, MediaId=media.media_id)
    return _act(app, user, fields, is_message=True, opens_window=True)


def user_sends_voice(
    app: MockApp | str,
    openid: str,
    /,
    *,
    recognition: str = "",
    audio: bytes | None = None,
    voice_format: str = "amr",
) -> CallbackResult:
    """The user sends a voice message; Recognition is included when given (speech recognition
    switched on for the account)."""
    app = _app(app)
    user = _user_or_404(app, openid)
    _require_follower(user)
    media = do_upload_media(
        app,
        media_type=MediaType.VOICE,
        filename=f"voice.{voice_format}",
        content=audio or b"#!AMR\n" + secrets.token_bytes(64),
    )
    extra: dict[str, Any] = {"MediaId": media.media_id, "Format": voice_format}
    if recognition:
        extra["Recognition"] = recognition
    fields = _message_fields(app, user, "voice", **extra)
    return _act(app, user, fields, is_message=True, opens_window=True)


def user_sends_location(
    app: MockApp | str,
    openid: str,
    /,
    *,
    latitude: float,
    longitude: float,
    scale: int = 15,
    label: str = "",
) -> CallbackResult:
    app = _app(app)
    user = _user_or_404(app, openid)
    _require_follower(user)
    fields = _message_fields(
        app, user, "location", Location_X=latitude, Location_Y=longitude, Scale=scale, Label=label
    )
    return _act(app, user, fields, is_message=True, opens_window=True)


def user_reports_location(
    app: MockApp | str,
    openid: str,
    /,
    *,
    latitude: float,
    longitude: float,
    precision: float = 65.0,
) -> CallbackResult:
    """The LOCATION event (automatic location reporting); it does not open the 48-hour window."""
    app = _app(app)
    user = _user_or_404(app, openid)
    _require_follower(user)
    fields = _event_fields(
        app, user, "LOCATION", Latitude=latitude, Longitude=longitude, Precision=precision
    )
    return _act(app, user, fields, is_message=False, opens_window=False)


def user_clicks(app: MockApp | str, openid: str, key: str, /) -> CallbackResult:
    app = _app(app)
    user = _user_or_404(app, openid)
    _require_follower(user)
    fields = _event_fields(app, user, "CLICK", EventKey=key)
    return _act(app, user, fields, is_message=False, opens_window=True)


def user_views(app: MockApp | str, openid: str, url: str, /) -> CallbackResult:
    """A view-button tap; the app's reply is never shown and the window does not open."""
    app = _app(app)
    user = _user_or_404(app, openid)
    _require_follower(user)
    menu = selectors.default_menu(app)
    extra = {"MenuId": menu.menuid} if menu else {}
    fields = _event_fields(app, user, "VIEW", EventKey=url, **extra)
    return _act(app, user, fields, is_message=False, opens_window=False, shows_reply=False)


def user_sends_event(
    app: MockApp | str,
    openid: str,
    event: str,
    /,
    *,
    fields: dict[str, Any] | None = None,
    opens_window: bool = True,
) -> CallbackResult:
    """Any other event (scancode_push, pic_sysphoto, location_select, ...) with its fields."""
    app = _app(app)
    user = _user_or_404(app, openid)
    _require_follower(user)
    return _act(
        app,
        user,
        _event_fields(app, user, event, **(fields or {})),
        is_message=False,
        opens_window=opens_window,
    )
