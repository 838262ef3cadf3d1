"""The control API under /wxmock/_control/: what tests and the phone simulator use to set the
mock up and to act as WeChat users. JSON in, JSON out; errors as {"code", "message", "extra"}."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import quote, urlsplit

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from weizheng.core.errors import AppError

from . import actions, callbacks, errors, selectors
from .errors import WeChatError
from .models import MockApp, MockDelivered, MockFault, MockQrCode, MockUser
from .views import browser_cookie_name


def _json(data: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def _body(request: HttpRequest) -> dict[str, Any]:
    if not request.body:
        return {}
    try:
        data = json.loads(request.body)
    except ValueError as exc:
        raise AppError("invalid_json", "The request body is not JSON.") from exc
    if not isinstance(data, dict):
        raise AppError("invalid_json", "The request body must be a JSON object.")
    return data


def _required(data: dict[str, Any], name: str) -> Any:
    value = data.get(name)
    if value in (None, ""):
        raise AppError("missing_field", f"The field {name} is required.", field=name)
    return value


def control(methods: list[str]) -> Callable[[Callable[..., Any]], Callable[..., HttpResponse]]:
    """csrf-exempt JSON view: AppError becomes its JSON answer, dicts and lists become JSON."""

    def decorator(view: Callable[..., Any]) -> Callable[..., HttpResponse]:
        @csrf_exempt  # a test and simulator API without sessions; mounted only with the mock
        @require_http_methods(methods)
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                answer = view(request, *args, **kwargs)
            except AppError as exc:
                return exc.as_response()
            except WeChatError as exc:  # e.g. an image the user "sends" that WeChat would refuse
                return AppError("wechat_refused", exc.errmsg, errcode=exc.errcode).as_response()
            return answer if isinstance(answer, HttpResponse) else _json(answer)

        return wrapped

    return decorator


def _app(appid: str) -> MockApp:
    app = selectors.get_app(appid)
    if app is None:
        raise AppError("unknown_app", f"No mock app has the AppID {appid}.", status=404)
    return app


def app_json(app: MockApp) -> dict[str, Any]:
    return {
        "appid": app.appid,
        "name": app.name,
        "original_id": app.original_id,
        "callback_url": app.callback_url,
        "token": app.token,
        "message_mode": app.message_mode,
        "has_encoding_aes_key": bool(app.encoding_aes_key),
        "quota_limits": app.quota_limits,
        "templates": app.templates,
        "oauth_domains": app.oauth_domains,
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def user_json(user: MockUser) -> dict[str, Any]:
    window_ends = (
        user.last_interaction_at + actions.CUSTOMER_SERVICE_WINDOW
        if user.last_interaction_at
        else None
    )
    return {
        "openid": user.openid,
        "nickname": user.nickname,
        "avatar_url": user.avatar_url,
        "sex": user.sex,
        "country": user.country,
        "province": user.province,
        "city": user.city,
        "language": user.language,
        "wechat_id": user.wechat_id,
        "client_platform_type": user.client_platform_type,
        "is_subscribed": user.is_subscribed,
        "subscribe_time": _iso(user.subscribe_time),
        "unsubscribe_time": _iso(user.unsubscribe_time),
        "subscribe_scene": user.subscribe_scene,
        "qr_scene": user.qr_scene,
        "qr_scene_str": user.qr_scene_str,
        "remark": user.remark,
        "tagid_list": user.tagid_list,
        "last_interaction_at": _iso(user.last_interaction_at),
        "customer_service_window_ends_at": _iso(window_ends),
        "blocks_templates": user.blocks_templates,
    }


def delivered_json(item: MockDelivered, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "id": item.id,
        "openid": item.openid,
        "channel": item.channel,
        "msgtype": item.msgtype,
        "payload": item.payload if payload is None else payload,
        "msg_id": item.msg_id,
        "created_at": _iso(item.created_at),
    }


def fault_json(fault: MockFault) -> dict[str, Any]:
    return {
        "id": fault.id,
        "appid": fault.app.appid if fault.app else None,
        "api": fault.api,
        "kind": fault.kind,
        "value": fault.value,
        "remaining": fault.remaining,
    }


# --- Apps and users ---------------------------------------------------------------------------
APP_FIELDS = (
    "appid",
    "secret",
    "callback_url",
    "token",
    "encoding_aes_key",
    "message_mode",
    "name",
    "quota_limits",
    "templates",
    "oauth_domains",
)


@control(["GET", "POST"])
def apps(request: HttpRequest) -> Any:
    """GET: every app. POST: register or update one (appid, secret, callback_url, token,
    encoding_aes_key, message_mode, name, quota_limits, templates, oauth_domains)."""
    if request.method == "GET":
        return [app_json(a) for a in MockApp.objects.all()]
    data = _body(request)
    app = actions.register_app(**{k: data[k] for k in APP_FIELDS if k in data})
    return _json(app_json(app), status=201)


@control(["GET"])
def app_detail(request: HttpRequest, appid: str) -> Any:
    return app_json(_app(appid))


USER_FIELDS = (
    "nickname",
    "avatar_url",
    "sex",
    "country",
    "province",
    "city",
    "language",
    "wechat_id",
    "client_platform_type",
    "is_subscribed",
    "subscribe_scene",
    "tagid_list",
    "blocks_templates",
    "openid",
)


@control(["GET", "POST"])
def users(request: HttpRequest, appid: str) -> Any:
    """GET: the app's simulated users. POST: create one (nickname, avatar_url, ...,
    is_subscribed default true) → the user with its openid."""
    app = _app(appid)
    if request.method == "GET":
        return [user_json(u) for u in selectors.list_users(app)]
    data = _body(request)
    user = actions.create_user(app, **{k: data[k] for k in USER_FIELDS if k in data})
    return _json(user_json(user), status=201)


@control(["GET"])
def user_detail(request: HttpRequest, appid: str, openid: str) -> Any:
    app = _app(appid)
    user = selectors.get_user(app, openid)
    if user is None:
        raise AppError("unknown_user", f"No user {openid} for this app.", status=404)
    return user_json(user)


def _image_bytes(data: dict[str, Any]) -> bytes | None:
    encoded = data.get("image_base64")
    if not encoded:
        return None
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise AppError("invalid_image", "image_base64 is not base64.") from exc


def _base_url(request: HttpRequest) -> str:
    # ".../wxmock/_control/media/x" → ".../wxmock"
    media = request.build_absolute_uri(reverse("wechat_mock:media-download", args=["x"]))
    return media.rsplit("/_control/", 1)[0]


USER_ACTIONS: dict[str, Callable[[MockApp, str, dict[str, Any], HttpRequest], Any]] = {
    "subscribe": lambda app, openid, d, r: actions.user_subscribes(
        app,
        openid,
        ticket=d.get("ticket", ""),
        scene=d.get("scene"),
        subscribe_scene=d.get("subscribe_scene", ""),
    ),
    "unsubscribe": lambda app, openid, d, r: actions.user_unsubscribes(app, openid),
    "scan": lambda app, openid, d, r: actions.user_scans(app, openid, _required(d, "ticket")),
    "text": lambda app, openid, d, r: actions.user_sends_text(
        app, openid, str(_required(d, "content"))
    ),
    "image": lambda app, openid, d, r: actions.user_sends_image(
        app, openid, image=_image_bytes(d), base_url=_base_url(r)
    ),
    "voice": lambda app, openid, d, r: actions.user_sends_voice(
        app, openid, recognition=d.get("recognition", ""), voice_format=d.get("format", "amr")
    ),
    "location": lambda app, openid, d, r: actions.user_sends_location(
        app,
        openid,
        latitude=float(_required(d, "latitude")),
        longitude=float(_required(d, "longitude")),
        scale=int(d.get("scale", 15)),
        label=d.get("label", ""),
    ),
    "location_event": lambda app, openid, d, r: actions.user_reports_location(
        app,
        openid,
        latitude=float(_required(d, "latitude")),
        longitude=float(_required(d, "longitude")),
        precision=float(d.get("precision", 65.0)),
    ),
    "click": lambda app, openid, d, r: actions.user_clicks(app, openid, _required(d, "key")),
    "view": lambda app, openid, d, r: actions.user_views(app, openid, _required(d, "url")),
    "event": lambda app, openid, d, r: actions.user_sends_event(
        app,
        openid,
        _required(d, "event"),
        fields=d.get("fields") or {},
        opens_window=bool(d.get("opens_window", True)),
    ),
}


@control(["POST"])
def user_action(request: HttpRequest, appid: str, openid: str, action: str) -> Any:
    """The user does something in WeChat: the mock posts the signed callback to the app and
    answers what happened (HTTP status, raw reply, parsed reply, what the user sees)."""
    handler = USER_ACTIONS.get(action)
    if handler is None:
        raise AppError(
            "unknown_action",
            f"Unknown user action {action}.",
            status=404,
            actions=sorted(USER_ACTIONS),
        )
    app = _app(appid)
    try:
        result = handler(app, openid, _body(request), request)
    except (TypeError, ValueError) as exc:
        raise AppError("invalid_field", f"A field has the wrong type: {exc}") from exc
    return result.as_dict()


@control(["GET"])
def delivered(request: HttpRequest, appid: str) -> Any:
    """What users received (custom, template, mass, preview, passive), oldest first;
    ?openid= &since_id= &channel= narrow it; ?tail=N keeps only the newest N."""
    app = _app(appid)
    try:
        since_id = int(request.GET.get("since_id") or 0)
    except ValueError as exc:
        raise AppError("invalid_field", "since_id must be a number.") from exc
    try:
        tail = int(request.GET.get("tail") or 0)
    except ValueError as exc:
        raise AppError("invalid_field", "tail must be a number.") from exc
    items = selectors.deliveries(
        app,
        openid=request.GET.get("openid", ""),
        since_id=since_id,
        channel=request.GET.get("channel", ""),
    )
    if tail > 0:
        # The newest `tail` items, still oldest first (a chat's history on opening it).
        found = list(reversed(items.order_by("-id")[: min(tail, 1000)]))
    else:
        found = list(items[:1000])
    payloads = selectors.delivered_payloads(found)
    return [delivered_json(d, payloads[d.id]) for d in found]


@control(["GET"])
def recent_callbacks(request: HttpRequest, appid: str) -> Any:
    """Callbacks this process posted for the app (user actions and API events), last 500."""
    _app(appid)
    return [r.as_dict() for r in callbacks.recent_callbacks(appid)]


@control(["POST"])
def expire_token(request: HttpRequest, appid: str) -> Any:
    """End the app's access tokens now: {"invalidate": true} → 40001, otherwise 42001."""
    data = _body(request)
    count = actions.expire_tokens(_app(appid), invalidate=bool(data.get("invalidate")))
    return {"expired": count}


@control(["GET", "POST", "DELETE"])
def faults(request: HttpRequest) -> Any:
    """GET: the injected faults. POST {kind, api="*", value, remaining, appid}: inject one.
    DELETE (?appid=): clear them."""
    if request.method == "GET":
        return [fault_json(f) for f in MockFault.objects.select_related("app")]
    if request.method == "DELETE":
        appid = request.GET.get("appid")
        return {"deleted": actions.clear_faults(app=_app(appid) if appid else None)}
    data = _body(request)
    try:
        fault = actions.inject_fault(
            kind=str(_required(data, "kind")),
            api=str(data.get("api") or "*"),
            value=float(data["value"]) if data.get("value") is not None else None,
            remaining=int(data["remaining"]) if data.get("remaining") is not None else None,
            app=_app(data["appid"]) if data.get("appid") else None,
        )
    except (TypeError, ValueError) as exc:
        raise AppError("invalid_field", f"A field has the wrong type: {exc}") from exc
    return _json(fault_json(fault), status=201)


@control(["POST"])
def flush(request: HttpRequest) -> Any:
    """Wait until queued event callbacks have been posted."""
    return {"flushed": callbacks.flush_callbacks()}


@control(["GET"])
def media_download(request: HttpRequest, media_id: str) -> Any:
    """The bytes behind a PicUrl or a video_url (no access_token, like WeChat's CDN)."""
    media = selectors.get_media_anywhere(media_id)
    if media is None:
        raise AppError("unknown_media", "No such media.", status=404)
    return HttpResponse(bytes(media.content), content_type=media.content_type)


# --- What the phone simulator reads -----------------------------------------------------------
def qr_json(qr: MockQrCode, base_url: str) -> dict[str, Any]:
    return {
        "ticket": qr.ticket,
        "url": qr.url,
        "action_name": qr.action_name,
        "scene": qr.scene,
        "scene_id": qr.scene_id,
        "scene_str": qr.scene_str,
        "is_permanent": qr.is_permanent,
        "expire_seconds": qr.expire_seconds,
        "created_at": _iso(qr.created_at),
        "image_url": f"{base_url}/cgi-bin/showqrcode?ticket={quote(qr.ticket, safe='')}",
    }


@control(["GET"])
def qrcodes(request: HttpRequest, appid: str) -> Any:
    """The app's QR codes that can still be scanned, newest first (at most 200)."""
    app = _app(appid)
    base = _base_url(request)
    live = (qr for qr in app.qrcodes.order_by("-id") if selectors.get_qrcode(qr.ticket))
    found: list[dict[str, Any]] = []
    for qr in live:
        found.append(qr_json(qr, base))
        if len(found) == 200:
            break
    return found


@control(["GET"])
def menu(request: HttpRequest, appid: str) -> Any:
    """The menu as WeChat shows it: to ?openid= (the newest matching conditional menu, else the
    default), or the default menu. {"button": []} when the app has none."""
    app = _app(appid)
    openid = request.GET.get("openid", "")
    if not openid:
        default = selectors.default_menu(app)
        return {"button": default.buttons if default else []}
    user = selectors.get_user(app, openid)
    if user is None:
        raise AppError("unknown_user", f"No user {openid} for this app.", status=404)
    try:
        return {"button": selectors.menu_for_user(app, user)}
    except WeChatError as exc:  # 46003: no menu at all
        if exc.errcode != errors.MENU_NO_EXIST:
            raise
        return {"button": []}


def _refuse_browse(message: str, status: int = 400) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


@xframe_options_exempt  # opened inside the simulator's phone frame (another port in the demo)
@require_http_methods(["GET"])
def browse(request: HttpRequest) -> HttpResponse:
    """WeChat's in-app browser: ?appid= &openid= &url=. Remembers the user on the mock's origin
    (a cookie read by the authorise page) and opens the URL."""
    appid = request.GET.get("appid", "")
    openid = request.GET.get("openid", "")
    url = request.GET.get("url", "")
    app = selectors.get_app(appid)
    if app is None:
        return _refuse_browse(f"No mock app has the AppID {appid}.", status=404)
    if selectors.get_user(app, openid) is None:
        return _refuse_browse(f"No user {openid} for this app.", status=404)
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        return _refuse_browse("The url must be an absolute http(s) address.")
    response = HttpResponseRedirect(url)
    mount = reverse("wechat_mock:oauth-authorize").rsplit("connect/", 1)[0]
    response.set_cookie(
        browser_cookie_name(app.appid),
        openid,
        max_age=24 * 3600,
        path=mount,
        httponly=True,
        samesite="Lax",
    )
    return response
