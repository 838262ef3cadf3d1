"""The phone simulator: a page that plays a citizen's WeChat, and the small JSON API behind it.

Every JSON view goes to the mock WeChat platform over HTTP (`mock_platform.MockPlatform`): a
follow, a message or a tap is a user action there, which posts the real signed callback to this
app and hands back what the phone shows. Refusals are `{"code", "message", "extra"}` with a 4xx
status; a mock platform that cannot be reached is a 502.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    JsonResponse,
)
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from weizheng.core.errors import AppError
from weizheng.wechat.models import OfficialAccount

from . import bubbles
from .mock_platform import MockPlatform
from .personas import PERSONAS, ensure_personas
from .selectors import get_mock_account, mock_accounts

HISTORY_LENGTH = 30
MAX_TEXT_BYTES = 2048
MAX_IMAGE_BASE64 = 3_000_000  # ~2 MB of picture: WeChat's own limit for an image message
EVENT_TYPES = (
    "scancode_push",
    "scancode_waitmsg",
    "pic_sysphoto",
    "pic_photo_or_album",
    "pic_weixin",
    "location_select",
)


def _json(data: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def api(methods: list[str]) -> Callable[[Callable[..., Any]], Callable[..., HttpResponse]]:
    """A JSON view of the simulator: AppError becomes its JSON answer; the account in the URL
    must be active and talk to a mock platform (404 otherwise)."""

    def decorator(view: Callable[..., Any]) -> Callable[..., HttpResponse]:
        @require_http_methods(methods)
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                if "account_slug" in kwargs:
                    kwargs["account"] = get_mock_account(kwargs.pop("account_slug"))
                answer = view(request, *args, **kwargs)
            except AppError as exc:
                return exc.as_response()
            return answer if isinstance(answer, HttpResponse) else _json(answer)

        return wrapped

    return decorator


def _body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError as exc:
        raise AppError("invalid_json", "The request body is not JSON.") from exc
    if not isinstance(data, dict):
        raise AppError("invalid_json", "The request body must be a JSON object.")
    return data


def _text(data: dict[str, Any], name: str, *, required: bool = True, limit: int = 200) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        raise AppError("invalid_field", f"The field {name} must be text.", field=name)
    value = value.strip()
    if required and not value:
        raise AppError("missing_field", f"The field {name} is required.", field=name)
    if len(value.encode("utf-8")) > limit:
        raise AppError("field_too_long", f"The field {name} is too long.", field=name)
    return value


def _number(data: dict[str, Any], name: str, low: float, high: float) -> float:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise AppError("invalid_field", f"The field {name} must be a number.", field=name)
    try:
        number = float(value)
    except ValueError as exc:
        raise AppError("invalid_field", f"The field {name} must be a number.", field=name) from exc
    if not low <= number <= high:
        raise AppError("invalid_field", f"The field {name} is out of range.", field=name)
    return number


def _http_url(data: dict[str, Any], name: str) -> str:
    url = _text(data, name, limit=1000)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise AppError("invalid_field", f"The field {name} must be an http(s) address.", field=name)
    return url


def _location(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "latitude": _number(data, "latitude", -90, 90),
        "longitude": _number(data, "longitude", -180, 180),
        "label": _text(data, "label", required=False),
    }


def _event_fields(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A menu button that is not click or view, as WeChat reports it (the event's fields)."""
    event = _text(data, "event", limit=40)
    if event not in EVENT_TYPES:
        raise AppError("invalid_field", f"Unknown menu event {event}.", events=list(EVENT_TYPES))
    fields: dict[str, Any] = {"EventKey": _text(data, "key", limit=128)}
    if event.startswith("scancode_"):
        fields["ScanCodeInfo"] = {
            "ScanType": "qrcode",
            "ScanResult": _text(data, "scan_result", limit=1000),
        }
    elif event.startswith("pic_"):
        fields["SendPicsInfo"] = {"Count": 1, "PicList": [{"PicMd5Sum": "simulator"}]}
    else:
        place = _location(data)
        fields["SendLocationInfo"] = {
            "Location_X": place["latitude"],
            "Location_Y": place["longitude"],
            "Scale": 15,
            "Label": place["label"],
            "Poiname": place["label"],
        }
    return event, fields


def _action_body(action: str, data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The mock's user action and body for what the phone did; AppError on bad input."""
    if action in ("subscribe", "unsubscribe"):
        return action, {}
    if action == "scan":
        return "scan", {"ticket": _text(data, "ticket", limit=400)}
    if action == "text":
        return "text", {"content": _text(data, "content", limit=MAX_TEXT_BYTES)}
    if action == "image":
        image = data.get("image_base64") or ""
        if not isinstance(image, str) or len(image) > MAX_IMAGE_BASE64:
            raise AppError("invalid_field", "The picture is not base64 or too large.")
        return "image", {"image_base64": image} if image else {}
    if action == "voice":
        return "voice", {"recognition": _text(data, "recognition", required=False, limit=600)}
    if action == "location":
        return "location", {**_location(data), "scale": 15}
    if action == "click":
        return "click", {"key": _text(data, "key", limit=128)}
    if action == "view":
        return "view", {"url": _http_url(data, "url")}
    if action == "event":
        event, fields = _event_fields(data)
        return "event", {"event": event, "fields": fields}
    raise AppError("unknown_action", f"Unknown action {action}.", status=404)


def _browse_url(account: OfficialAccount, openid: str, url: str) -> str:
    """The simulator's in-app browser opening `url` as `openid` (see `browse`)."""
    base = reverse("simulator:browse", kwargs={"account_slug": account.slug})
    return f"{base}?{urlencode({'openid': openid, 'url': url})}"


def _templates(mock: MockPlatform) -> dict[str, str]:
    try:
        templates = mock.app().get("templates") or []
    except AppError:
        return {}
    return {str(t.get("template_id")): str(t.get("title", "")) for t in templates}


# --- The page ---------------------------------------------------------------------------------
# Places a citizen can send: in the demo's fictional 平安市, whose centre (the 市民中心) is at
# 30.58 N, 114.30 E, inside the gov account's 问政 jurisdiction (weizheng/inquiries/demo.py).
PLACES = [
    {"label": "平安市公安局交警支队（人民路88号）", "latitude": 30.5762, "longitude": 114.2941},
    {"label": "平安市市民中心", "latitude": 30.5800, "longitude": 114.3000},
    {"label": "平安北站", "latitude": 30.6350, "longitude": 114.2890},
]


def _strings() -> dict[str, str]:
    """The page's words, for its script (translated here, shown as text there)."""
    return {
        "follow": _("Follow"),
        "unfollow": _("Unfollow"),
        "following": _("Following"),
        "not_following": _("Not following"),
        "send": _("Send"),
        "cancel": _("Cancel"),
        "ok": _("OK"),
        "close": _("Close"),
        "type_here": _("Type a message"),
        "photo": _("Photo"),
        "voice": _("Voice"),
        "location": _("Location"),
        "voice_prompt": _("What you say (speech recognition text)"),
        "location_prompt": _("Send a location"),
        "latitude": _("Latitude"),
        "longitude": _("Longitude"),
        "place": _("Place name"),
        "scan_prompt": _("What the scanned code says"),
        "photo_prompt": _("Choose a picture, or send a generated one"),
        "generated_photo": _("Send a generated picture"),
        "voice_message": _("Voice message"),
        "followed": _("You followed the account."),
        "followed_scene": _("You followed the account by scanning the QR code “%(scene)s”."),
        "scanned": _("You scanned the QR code “%(scene)s”."),
        "unfollowed": _("You unfollowed the account."),
        "tapped": _("You tapped “%(name)s”."),
        "opened": _("You opened “%(name)s”."),
        "no_menu": _("This account has no menu."),
        "not_simulated": _("The simulator cannot play this kind of button."),
        "pay_title": _("WeChat Pay"),
        "pay_button": _("Pay"),
        "pay_to": _("Payee: %(name)s"),
        "pay_paid": _("This order has been paid already."),
        "pay_closed": _("This order has been closed."),
        "custom": _("Customer-service message"),
        "template": _("Template message"),
        "mass": _("Mass message"),
        "preview": _("Mass preview"),
        "details": _("Details"),
        "article": _("Article"),
        "miniprogram": _("Mini Program"),
        "unknown": _("A message the simulator cannot show"),
        "failed": _("Not delivered"),
        "error": _("The simulator could not do that: %(message)s"),
        "no_accounts": _("No account talks to the mock WeChat platform."),
        "no_codes": _("The account has no QR codes yet (the back office creates them)."),
        "scan": _("Scan"),
        "permanent": _("permanent"),
        "temporary": _("temporary"),
        "profile_hint": _("Follow the account to chat with it and use its menu."),
    }


def index(request: HttpRequest) -> HttpResponse:
    """The phone simulator. ?account=<slug> &openid= preselect an account and a citizen."""
    accounts = [{"slug": a.slug, "name": a.name} for a in mock_accounts()]
    config = {
        "csrfToken": get_token(request),
        "api": reverse("simulator:index") + "api/",
        "accounts": accounts,
        "account": request.GET.get("account", ""),
        "openid": request.GET.get("openid", ""),
        "places": PLACES,
        "strings": _strings(),
    }
    return render(request, "simulator/index.html", {"config": config, "accounts": accounts})


# --- JSON -------------------------------------------------------------------------------------
@api(["GET"])
def accounts(request: HttpRequest) -> Any:
    """Active accounts that talk to a mock platform."""
    return [{"slug": a.slug, "name": a.name} for a in mock_accounts()]


@api(["GET"])
def sms_messages(request: HttpRequest) -> Any:
    """The newest text message of each phone (masked), for the SMS panel: binding codes.

    With ?account=<slug>&openid=, only the persona's: texts to the phone of their binding on that
    account and to the phones they asked a binding code for (each persona is a phone of its own).
    """
    from django.utils import timezone

    from weizheng.identity.selectors import phone_indexes_of

    from .sms import latest_per_phone

    slug = request.GET.get("account", "")
    openid = request.GET.get("openid", "")
    indexes = None
    if slug and openid:
        indexes = phone_indexes_of(account=get_mock_account(slug), openid=openid)
    return [
        {
            "id": sms.pk,
            "phone": sms.phone,
            "text": sms.text,
            "sent_at": timezone.localtime(sms.sent_at).strftime("%H:%M:%S"),
        }
        for sms in latest_per_phone(phone_indexes=indexes)
    ]


@api(["GET"])
def users(request: HttpRequest, account: OfficialAccount) -> Any:
    """The account's simulated citizens on the mock platform, the personas first (created on
    first use)."""
    personas = {
        u.openid: (n, p.key)
        for n, (p, u) in enumerate(zip(PERSONAS, ensure_personas(account), strict=True))
    }
    mock = MockPlatform(account)
    people = mock.users()
    listed = [
        {
            "openid": u["openid"],
            "nickname": u.get("nickname") or "",
            "avatar_url": u.get("avatar_url") or "",
            "city": u.get("city") or "",
            "language": u.get("language") or "",
            "is_subscribed": bool(u.get("is_subscribed")),
            "persona": personas.get(u["openid"], (0, ""))[1],
        }
        for u in people
    ]
    # The personas first, in their order; then whoever else the mock platform has.
    listed.sort(key=lambda u: personas.get(u["openid"], (len(personas), ""))[0])
    return {
        "account": {"slug": account.slug, "name": account.name},
        "appid": account.app_id,
        # WeChat's in-app browser for links in messages (menu VIEW buttons get theirs from act):
        # the simulator's `browse`, which signs the previous persona out of the H5 pages first.
        "browse_url": reverse("simulator:browse", kwargs={"account_slug": account.slug}),
        "users": listed,
    }


@api(["GET"])
def user_state(request: HttpRequest, account: OfficialAccount, openid: str) -> Any:
    """One citizen: following or not, the menu they see, and their recent messages."""
    mock = MockPlatform(account)
    user = mock.user(openid)
    history = mock.delivered(openid, tail=HISTORY_LENGTH)
    templates = _templates(mock) if any(d["channel"] == "template" for d in history) else {}
    return {
        "openid": user["openid"],
        "nickname": user.get("nickname") or "",
        "is_subscribed": bool(user.get("is_subscribed")),
        "menu": mock.menu(openid) if user.get("is_subscribed") else [],
        "messages": [
            bubbles.bubble(d, media_url=mock.media_url, templates=templates) for d in history
        ],
        "last_id": max((d["id"] for d in history), default=0),
    }


@api(["GET"])
def menu(request: HttpRequest, account: OfficialAccount, openid: str) -> Any:
    """The menu as the mock platform shows it to this citizen."""
    return {"button": MockPlatform(account).menu(openid)}


@api(["GET"])
def qrcodes(request: HttpRequest, account: OfficialAccount) -> Any:
    """The account's QR codes that can be scanned."""
    return [
        {
            "ticket": q["ticket"],
            "scene": q["scene"],
            "is_permanent": q["is_permanent"],
            "image_url": q["image_url"],
        }
        for q in MockPlatform(account).qrcodes()
    ]


@api(["GET"])
def messages(request: HttpRequest, account: OfficialAccount, openid: str) -> Any:
    """What reached the phone after ?since_id= (passive replies and pushed messages)."""
    try:
        since_id = int(request.GET.get("since_id") or 0)
    except ValueError as exc:
        raise AppError("invalid_field", "since_id must be a number.", field="since_id") from exc
    mock = MockPlatform(account)
    items = mock.delivered(openid, since_id=since_id)
    templates = _templates(mock) if any(d["channel"] == "template" for d in items) else {}
    return {
        "messages": [
            bubbles.bubble(d, media_url=mock.media_url, templates=templates) for d in items
        ],
        "last_id": max((d["id"] for d in items), default=since_id),
    }


@api(["GET", "POST"])
def pay(request: HttpRequest, account: OfficialAccount, openid: str, prepay_id: str) -> Any:
    """WeChat's payment sheet (getBrandWCPayRequest in the in-app browser). GET: what it shows;
    POST: the citizen taps 支付 — the mock marks the order paid and sends WeChat Pay's notify."""
    mock = MockPlatform(account)
    if request.method == "POST":
        paid = mock.pay(prepay_id, openid)
        return {"trade_state": paid.get("trade_state", "")}
    order = mock.pay_order(prepay_id)
    if order.get("payer_openid") != openid:
        raise AppError("not_yours", "This payment belongs to another WeChat user.", status=403)
    total = int(order.get("total") or 0)
    return {
        "merchant_name": order.get("merchant_name", ""),
        "description": order.get("description", ""),
        "total": total,
        "amount": f"¥{total // 100:,}.{total % 100:02d}",
        "trade_state": order.get("trade_state", ""),
    }


@api(["POST"])
def act(request: HttpRequest, account: OfficialAccount, openid: str) -> Any:
    """The citizen does something: {"action": subscribe | unsubscribe | scan | text | image |
    voice | location | click | view | event, ...its fields}. Answers what the phone shows."""
    data = _body(request)
    action = data.get("action")
    if not isinstance(action, str):
        raise AppError("missing_field", "The field action is required.", field="action")
    mock_action, body = _action_body(action, data)
    mock = MockPlatform(account)
    result = mock.act(openid, mock_action, body)
    fields = result.get("fields") or {}
    answer: dict[str, Any] = {
        "ok": bool(result.get("ok")),
        "notice": result.get("user_notice") or "",
        "error": result.get("error") or "",
        "elapsed_ms": result.get("elapsed_ms"),
        "reply": None,
        "sent": None,
    }
    reply = result.get("reply")
    if reply and result.get("delivered_id"):
        answer["reply"] = bubbles.bubble(
            {
                "id": result["delivered_id"],
                "channel": "passive",
                "msgtype": reply.get("MsgType"),
                "payload": reply,
            },
            media_url=mock.media_url,
        )
    if mock_action == "image":
        answer["sent"] = {"type": "image", "src": str(fields.get("PicUrl", ""))}
    if mock_action == "view":
        answer["browse_url"] = _browse_url(account, openid, body["url"])
    return answer


# --- The phone's browser ----------------------------------------------------------------------
@require_http_methods(["GET"])
def browse(request: HttpRequest, account_slug: str) -> HttpResponse:
    """WeChat's in-app browser on the simulated phone of ?openid=, opening ?url=.

    One desktop browser plays every persona, but each persona is a phone of its own: when the
    H5 pages of this account know another citizen in this session, that sign-in is dropped, so the
    page signs in again through the mock's authorise page as the persona on the phone. Then the
    mock's own in-app browser opens the URL (it remembers the persona for its authorise page).
    Real WeChat never comes here: a phone's session keeps its openid."""
    from weizheng.wechat.oauth import citizen_openid, forget_citizen

    try:
        account = get_mock_account(account_slug)
    except AppError as exc:
        return exc.as_response()
    openid = request.GET.get("openid", "").strip()
    url = request.GET.get("url", "").strip()
    parts = urlsplit(url)
    if not openid or len(openid) > 64:
        return HttpResponseBadRequest("The openid is missing.", content_type="text/plain")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return HttpResponseBadRequest(
            "The url must be an http(s) address.", content_type="text/plain"
        )
    if citizen_openid(request, account) not in (None, openid):
        forget_citizen(request, account)
    return HttpResponseRedirect(MockPlatform(account).browse_url(openid, url))
