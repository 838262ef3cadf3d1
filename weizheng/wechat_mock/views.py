"""WeChat's HTTP API, served under /wxmock/ at WeChat's own paths.

Each API is a thin function registered with `@wechat_api`, which does what WeChat does before any
API runs, in this order: injected faults, the HTTP method, the access_token, the daily quota, the
JSON body. Answers are WeChat's JSON (Chinese unescaped, WeChat's odd content type); refusals are
`{"errcode": N, "errmsg": "... rid: ..."}` with HTTP 200, as WeChat sends them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt

from . import actions, errors, selectors
from .errors import WeChatError
from .models import FaultKind, MediaType, MockApp, MockUser
from .qr import png_for

JSON_CONTENT_TYPE = "application/json; encoding=utf-8"
OK = {"errcode": 0, "errmsg": "ok"}
HTML_500 = (
    "<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n"
    "<center><h1>500 Internal Server Error</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)

Handler = Callable[[HttpRequest, Any, dict[str, Any]], "dict[str, Any] | HttpResponse"]
# (path, view, url name, quota key): urls.py mounts these; quota/get reads the quota keys.
ROUTES: list[tuple[str, Callable[..., HttpResponse], str, str | None]] = []


def wechat_json(data: dict[str, Any], status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(data, ensure_ascii=False), status=status, content_type=JSON_CONTENT_TYPE
    )


def _loose_json(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _json_body(request: HttpRequest) -> dict[str, Any]:
    if not request.body:
        raise WeChatError(errors.EMPTY_POST_DATA)
    try:
        data = json.loads(request.body)
    except ValueError as exc:
        raise WeChatError(errors.DATA_FORMAT_ERROR) from exc
    if not isinstance(data, dict):
        raise WeChatError(errors.DATA_FORMAT_ERROR)
    return data


def _app_hint(request: HttpRequest, auth: str) -> MockApp | None:
    """The app a call is for, before authentication: injected faults may target it."""
    if auth == "token":
        return selectors.app_for_access_token(request.GET.get("access_token", ""))
    if auth == "credentials":
        appid = request.GET.get("appid") or _loose_json(request).get("appid") or ""
        return selectors.get_app(str(appid))
    return None


def _apply_faults(app: MockApp | None, path: str) -> HttpResponse | None:
    fired = actions.take_faults(app=app, api=path)
    for fault in fired:
        if fault.kind == FaultKind.LATENCY and fault.value:
            time.sleep(fault.value)
    for fault in fired:
        if fault.kind == FaultKind.HTTP_500:
            status = int(fault.value) if fault.value and 500 <= fault.value < 600 else 500
            return HttpResponse(HTML_500, status=status, content_type="text/html")
        if fault.kind == FaultKind.ERRCODE:
            return wechat_json(WeChatError(int(fault.value or -1)).as_dict())
        if fault.kind == FaultKind.EXPIRE_TOKEN and app is not None:
            actions.expire_tokens(app)
    return None


def wechat_api(
    path: str,
    *,
    method: str = "GET",
    auth: str = "token",
    quota: str | None = None,
    body: str = "json",
) -> Callable[[Handler], Callable[..., HttpResponse]]:
    """Register a WeChat API at `path`. auth: "token" (?access_token=), "credentials" (the
    handler checks appid/secret), "none". body: "json" for POST JSON, "raw" to leave it."""

    def decorator(handler: Handler) -> Callable[..., HttpResponse]:
        @csrf_exempt  # WeChat's API authenticates by access_token, not by cookie.
        @wraps(handler)
        def view(request: HttpRequest) -> HttpResponse:
            try:
                hint = _app_hint(request, auth)
                faulted = _apply_faults(hint, "/" + path)
                if faulted is not None:
                    return faulted
                if request.method != method:
                    raise WeChatError(
                        errors.REQUIRE_POST if method == "POST" else errors.REQUIRE_GET
                    )
                app = None
                if auth == "token":
                    app = selectors.authenticate_access_token(request.GET.get("access_token", ""))
                    if quota:
                        actions.consume_quota(app, quota)
                data = _json_body(request) if method == "POST" and body == "json" else {}
                answer = handler(request, app, data)
            except WeChatError as exc:
                return wechat_json(exc.as_dict())
            return answer if isinstance(answer, HttpResponse) else wechat_json(answer)

        ROUTES.append((path, view, "api-" + path.replace("/", "-"), quota))
        return view

    return decorator


def _int(value: Any, errcode: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise WeChatError(errcode) from exc


# --- access_token -----------------------------------------------------------------------------
@wechat_api("cgi-bin/token", auth="credentials")
def token(request: HttpRequest, app: None, body: dict[str, Any]) -> dict[str, Any]:
    if request.GET.get("grant_type") != "client_credential":
        raise WeChatError(errors.INVALID_GRANT_TYPE)
    account = actions.check_credentials(request.GET.get("appid", ""), request.GET.get("secret", ""))
    actions.consume_quota(account, "token")
    issued = actions.do_issue_access_token(account)
    return {"access_token": issued.token, "expires_in": 7200}


@wechat_api("cgi-bin/stable_token", method="POST", auth="credentials")
def stable_token(request: HttpRequest, app: None, body: dict[str, Any]) -> dict[str, Any]:
    if body.get("grant_type") != "client_credential":
        raise WeChatError(errors.INVALID_GRANT_TYPE)
    account = actions.check_credentials(str(body.get("appid") or ""), str(body.get("secret") or ""))
    actions.consume_quota(account, "stable_token")
    force = body.get("force_refresh") in (True, "true", 1)
    value, expires_in = actions.do_get_stable_token(account, force_refresh=force)
    return {"access_token": value, "expires_in": expires_in}


@wechat_api("cgi-bin/clear_quota", method="POST")
def clear_quota(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    if body.get("appid") != app.appid:
        raise WeChatError(errors.INVALID_APPID)
    actions.clear_quota(app)
    return OK


@wechat_api("cgi-bin/openapi/quota/get", method="POST")
def quota_get(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    cgi_path = str(body.get("cgi_path") or "").lstrip("/")
    keys = {p: q for p, _v, _n, q in ROUTES if q}
    if cgi_path not in keys:
        raise WeChatError(errors.INVALID_ARGS)
    return {**OK, "quota": actions.quota_status(app, keys[cgi_path])}


# --- Menus ------------------------------------------------------------------------------------
@wechat_api("cgi-bin/menu/create", method="POST", quota="menu_create")
def menu_create(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    actions.do_create_menu(app, buttons=body.get("button"))
    return OK


@wechat_api("cgi-bin/menu/get", quota="menu_get")
def menu_get(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    return selectors.menu_info(app)


@wechat_api("cgi-bin/get_current_selfmenu_info")
def selfmenu_info(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    return selectors.selfmenu_info(app)


@wechat_api("cgi-bin/menu/delete", quota="menu_delete")
def menu_delete(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    actions.do_delete_menu(app)
    return OK


@wechat_api("cgi-bin/menu/addconditional", method="POST")
def menu_addconditional(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    menu = actions.do_add_conditional_menu(
        app, buttons=body.get("button"), matchrule=body.get("matchrule")
    )
    return {"menuid": str(menu.menuid)}


@wechat_api("cgi-bin/menu/delconditional", method="POST")
def menu_delconditional(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    actions.do_delete_conditional_menu(app, menuid=body.get("menuid"))
    return OK


@wechat_api("cgi-bin/menu/trymatch", method="POST")
def menu_trymatch(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    return {"button": actions.try_match_menu(app, user_id=str(body.get("user_id") or ""))}


# --- Messages ---------------------------------------------------------------------------------
@wechat_api("cgi-bin/message/custom/send", method="POST", quota="custom_send")
def custom_send(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    actions.do_send_custom_message(app, body=body)
    return OK


@wechat_api("cgi-bin/message/template/send", method="POST", quota="template_send")
def template_send(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    return {**OK, "msgid": actions.do_send_template_message(app, body=body)}


@wechat_api("cgi-bin/template/get_all_private_template")
def template_list(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    return {"template_list": list(app.templates or [])}


def _mass_answer(job) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "errcode": 0,
        "errmsg": "send job submission success",
        "msg_id": job.msg_id,
    }
    if job.msg_data_id is not None:
        answer["msg_data_id"] = job.msg_data_id
    return answer


@wechat_api("cgi-bin/message/mass/sendall", method="POST", quota="mass_send")
def mass_sendall(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    return _mass_answer(actions.do_mass_send_all(app, body=body))


@wechat_api("cgi-bin/message/mass/send", method="POST", quota="mass_send")
def mass_send(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    return _mass_answer(actions.do_mass_send(app, body=body))


@wechat_api("cgi-bin/message/mass/preview", method="POST", quota="mass_preview")
def mass_preview(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    msg_id = actions.do_mass_preview(app, body=body)
    return {"errcode": 0, "errmsg": "preview success", "msg_id": msg_id}


@wechat_api("cgi-bin/message/mass/get", method="POST")
def mass_get(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    job = selectors.get_mass_job(app, body.get("msg_id"))
    if job is None:
        raise WeChatError(errors.INVALID_ARGS)
    return {"msg_id": job.msg_id, "msg_status": job.status}


@wechat_api("cgi-bin/message/mass/delete", method="POST")
def mass_delete(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    actions.do_mass_delete(app, msg_id=body.get("msg_id"))
    return OK


# --- QR codes ---------------------------------------------------------------------------------
@wechat_api("cgi-bin/qrcode/create", method="POST", quota="qrcode_create")
def qrcode_create(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    return actions.qrcode_answer(actions.do_create_qrcode(app, body=body))


@wechat_api("cgi-bin/showqrcode", auth="none")
def showqrcode(request: HttpRequest, app: None, body: dict[str, Any]) -> HttpResponse:
    qr = selectors.get_qrcode(request.GET.get("ticket", ""))
    if qr is None:
        return HttpResponse(b"", status=404, content_type="text/html")
    return HttpResponse(png_for(qr.url), content_type="image/png")


# --- Users and tags ---------------------------------------------------------------------------
@wechat_api("cgi-bin/user/info", quota="user_info")
def user_info(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    openid = request.GET.get("openid", "")
    if not openid:
        raise WeChatError(errors.OPENID_MISSING)
    return selectors.user_info(selectors.require_user(app, openid))


@wechat_api("cgi-bin/user/info/batchget", method="POST", quota="user_info")
def user_info_batchget(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    wanted = body.get("user_list")
    if not isinstance(wanted, list) or not 1 <= len(wanted) <= 100:
        raise WeChatError(errors.INVALID_OPENID_LIST_SIZE)
    users = []
    for item in wanted:
        openid = item.get("openid") if isinstance(item, dict) else None
        users.append(selectors.user_info(selectors.require_user(app, str(openid or ""))))
    return {"user_info_list": users}


@wechat_api("cgi-bin/user/get", quota="user_get")
def user_get(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    followers = selectors.followers(app)
    page = selectors.openid_page(followers, next_openid=request.GET.get("next_openid", ""))
    return {"total": followers.count(), **page}


@wechat_api("cgi-bin/user/info/updateremark", method="POST")
def user_updateremark(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    user = selectors.require_user(app, str(body.get("openid") or ""))
    remark = str(body.get("remark") or "")
    if len(remark) > 30:
        raise WeChatError(errors.INVALID_ARGS)
    user.remark = remark
    user.save(update_fields=["remark"])
    return OK


@wechat_api("cgi-bin/tags/create", method="POST")
def tags_create(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    tag = body.get("tag") if isinstance(body.get("tag"), dict) else {}
    created = actions.do_create_tag(app, name=tag.get("name"))
    return {"tag": {"id": created.tag_id, "name": created.name}}


@wechat_api("cgi-bin/tags/get")
def tags_get(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    return {"tags": selectors.tag_list(app)}


@wechat_api("cgi-bin/tags/update", method="POST")
def tags_update(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    tag = body.get("tag") if isinstance(body.get("tag"), dict) else {}
    actions.do_update_tag(app, tag_id=tag.get("id"), name=tag.get("name"))
    return OK


@wechat_api("cgi-bin/tags/delete", method="POST")
def tags_delete(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    tag = body.get("tag") if isinstance(body.get("tag"), dict) else {}
    actions.do_delete_tag(app, tag_id=tag.get("id"))
    return OK


@wechat_api("cgi-bin/tags/members/batchtagging", method="POST")
def tags_batchtagging(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    actions.do_tag_users(app, openids=body.get("openid_list"), tag_id=body.get("tagid"))
    return OK


@wechat_api("cgi-bin/tags/members/batchuntagging", method="POST")
def tags_batchuntagging(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    actions.do_untag_users(app, openids=body.get("openid_list"), tag_id=body.get("tagid"))
    return OK


@wechat_api("cgi-bin/tags/getidlist", method="POST")
def tags_getidlist(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    user = selectors.require_user(app, str(body.get("openid") or ""))
    return {"tagid_list": list(user.tagid_list)}


@wechat_api("cgi-bin/user/tag/get", method="POST")
def user_tag_get(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    tag_id = _int(body.get("tagid"), errors.INVALID_TAG_ID)
    if not selectors.tag_exists(app, tag_id):
        raise WeChatError(errors.INVALID_TAG_ID)
    tagged = MockUser.objects.filter(
        id__in=[u.id for u in selectors.followers_with_tag(app, tag_id)]
    )
    return selectors.openid_page(tagged, next_openid=str(body.get("next_openid") or ""))


# --- Media ------------------------------------------------------------------------------------
@wechat_api("cgi-bin/media/upload", method="POST", quota="media_upload", body="raw")
def media_upload(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    upload = request.FILES.get("media")
    media = actions.do_upload_media(
        app,
        media_type=request.GET.get("type", ""),
        filename=(upload.name or "") if upload else "",
        content=upload.read() if upload else None,
    )
    key = "thumb_media_id" if media.type == MediaType.THUMB else "media_id"
    return {
        "type": media.type,
        key: media.media_id,
        "created_at": int(media.created_at.timestamp()),
    }


@wechat_api("cgi-bin/material/add_material", method="POST", quota="material_add", body="raw")
def material_add(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    upload = request.FILES.get("media")
    media = actions.do_add_material(
        app,
        media_type=request.GET.get("type", ""),
        filename=(upload.name or "") if upload else "",
        content=upload.read() if upload else None,
        # A form field of the multipart body, as WeChat's docs say (wechatpy sends it in the
        # query string; both are read).
        description=request.POST.get("description") or request.GET.get("description"),
    )
    answer = {"media_id": media.media_id}
    if media.type == MediaType.IMAGE:
        answer["url"] = media_download_url(request, media.media_id)
    return answer


@wechat_api("cgi-bin/material/get_materialcount")
def material_count(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    return selectors.material_counts(app)


@wechat_api("cgi-bin/material/del_material", method="POST")
def material_delete(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    actions.do_delete_material(app, media_id=body.get("media_id"))
    return OK


@wechat_api("cgi-bin/material/get_material", method="POST")
def material_get(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> Any:
    media = selectors.get_media(app, str(body.get("media_id") or ""))
    if media is None or not media.is_permanent:
        raise WeChatError(errors.INVALID_MEDIA_ID)
    if media.type == MediaType.VIDEO:
        return {
            "title": media.title,
            "description": media.introduction,
            "down_url": media_download_url(request, media.media_id),
        }
    return HttpResponse(bytes(media.content), content_type=media.content_type)


@wechat_api("cgi-bin/media/uploadvideo", method="POST")
def media_uploadvideo(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    media = actions.do_upload_video(app, body=body)
    return {"type": "video", "media_id": media.media_id, "created_at": _unix(media)}


@wechat_api("cgi-bin/media/uploadnews", method="POST")
def media_uploadnews(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> dict[str, Any]:
    media = actions.do_upload_news(app, body=body)
    return {"type": "news", "media_id": media.media_id, "created_at": _unix(media)}


def _unix(media: Any) -> int:
    return int(media.created_at.timestamp())


def media_download_url(request: HttpRequest, media_id: str) -> str:
    return request.build_absolute_uri(reverse("wechat_mock:media-download", args=[media_id]))


@wechat_api("cgi-bin/media/get", quota="media_get")
def media_get(request: HttpRequest, app: MockApp, body: dict[str, Any]) -> Any:
    media_id = request.GET.get("media_id", "")
    if not media_id:
        raise WeChatError(errors.MEDIA_ID_MISSING)
    media = selectors.get_media(app, media_id)
    if media is None:
        raise WeChatError(errors.INVALID_MEDIA_ID)
    if media.type == MediaType.VIDEO:
        return {"video_url": media_download_url(request, media.media_id)}
    extension = media.filename.rsplit(".", 1)[-1] if "." in media.filename else "bin"
    response = HttpResponse(bytes(media.content), content_type=media.content_type)
    response["Content-disposition"] = f'attachment; filename="{media.media_id}.{extension}"'
    return response


# --- Web authorisation (OAuth2) ---------------------------------------------------------------
@wechat_api("sns/oauth2/access_token", auth="credentials")
def sns_access_token(request: HttpRequest, app: None, body: dict[str, Any]) -> dict[str, Any]:
    issued = actions.do_exchange_oauth_code(
        appid=request.GET.get("appid", ""),
        secret=request.GET.get("secret", ""),
        code=request.GET.get("code", ""),
        grant_type=request.GET.get("grant_type", ""),
    )
    return actions.oauth_token_answer(issued)


@wechat_api("sns/oauth2/refresh_token", auth="credentials")
def sns_refresh_token(request: HttpRequest, app: None, body: dict[str, Any]) -> dict[str, Any]:
    issued = actions.do_refresh_oauth_token(
        appid=request.GET.get("appid", ""),
        refresh_token=request.GET.get("refresh_token", ""),
        grant_type=request.GET.get("grant_type", ""),
    )
    return actions.oauth_token_answer(issued)


@wechat_api("sns/userinfo", auth="none")
def sns_userinfo(request: HttpRequest, app: None, body: dict[str, Any]) -> dict[str, Any]:
    return actions.sns_userinfo(
        access_token=request.GET.get("access_token", ""), openid=request.GET.get("openid", "")
    )


@wechat_api("sns/auth", auth="none")
def sns_auth(request: HttpRequest, app: None, body: dict[str, Any]) -> dict[str, Any]:
    issued = selectors.authenticate_oauth_token(request.GET.get("access_token", ""))
    if request.GET.get("openid") != issued.openid:
        raise WeChatError(errors.INVALID_OPENID)
    return OK


# WeChat's authorise page shows these codes on its error page.
OAUTH_SCOPES = ("snsapi_base", "snsapi_userinfo")


def browser_cookie_name(appid: str) -> str:
    """The cookie naming who is on the simulated phone (set by /_control/browse): the authorise
    page uses it as WeChat's in-app browser knows its user."""
    return f"wxmock_browser_{appid}"


def _authorize_error(request: HttpRequest, code: int, message: str) -> HttpResponse:
    return render(
        request,
        "wechat_mock/authorize.html",
        {"error_code": code, "error_message": message},
        status=400,
    )


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = f"{parts.query}&{urlencode(params)}" if parts.query else urlencode(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


@csrf_exempt  # WeChat's own page, posted back to itself; there is no session to protect.
@xframe_options_exempt  # H5 pages open inside the simulator's phone frame (another port in dev)
def oauth_authorize(request: HttpRequest) -> HttpResponse:
    """/connect/oauth2/authorize: choose a simulated user (or take ?openid=, or the user the
    simulator's in-app browser is for), then redirect to redirect_uri?code=CODE&state=STATE.
    snsapi_base with a known user redirects at once, as WeChat does silently; snsapi_userinfo
    asks for consent first ("deny" sends only the state)."""
    params = request.POST if request.method == "POST" else request.GET
    appid = params.get("appid", "")
    redirect_uri = params.get("redirect_uri", "")
    scope = params.get("scope", "")
    state = params.get("state", "")
    if not appid:
        return _authorize_error(request, 10012, "appid 参数错误")
    app = selectors.get_app(appid)
    if app is None:
        return _authorize_error(request, 10016, "appid 无效")
    if not redirect_uri:
        return _authorize_error(request, 10011, "redirect_uri 参数错误")
    parts = urlsplit(redirect_uri)
    if parts.scheme not in ("http", "https") or (
        app.oauth_domains and parts.netloc not in app.oauth_domains
    ):
        return _authorize_error(request, 10003, "redirect_uri 域名与后台配置不一致")
    if params.get("response_type") != "code":
        return _authorize_error(request, 10001, "response_type 参数错误")
    if not scope:
        return _authorize_error(request, 10010, "scope 参数错误")
    if scope not in OAUTH_SCOPES:
        return _authorize_error(request, 10005, "此公众号并没有这些 scope 的权限")
    openid = params.get("openid", "") or request.COOKIES.get(browser_cookie_name(app.appid), "")
    user = selectors.get_user(app, openid)
    if request.method == "POST":
        if params.get("decision") == "deny":
            return HttpResponseRedirect(_with_query(redirect_uri, {"state": state}))
        if user is None:
            return _authorize_error(request, 10000, "请选择一位用户")
    if user is not None and (request.method == "POST" or scope == "snsapi_base"):
        code = actions.do_issue_oauth_code(app, openid=user.openid, scope=scope)
        return HttpResponseRedirect(_with_query(redirect_uri, {"code": code, "state": state}))
    return render(
        request,
        "wechat_mock/authorize.html",
        {
            "app": app,
            "users": selectors.list_users(app),
            "selected": openid,
            "params": {
                "appid": appid,
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "scope": scope,
                "state": state,
            },
            "asks_consent": scope == "snsapi_userinfo",
        },
    )
