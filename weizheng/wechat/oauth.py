"""The citizen side of WeChat's web authorisation (OAuth2, snsapi_base): who opened an H5 page.

A view under /h5/<account_slug>/... wrapped in `citizen_page` runs only once the session knows the
citizen's openid for that account. Otherwise the citizen is sent to WeChat's authorise page
(open.weixin.qq.com, or the mock platform under the account's api_base_url), which comes back to
the same URL with `code` and `state`; the code is exchanged for the openid server-side
(/sns/oauth2/access_token with the AppSecret), `state` is checked against the random value kept
in the session (CSRF: nobody can make a citizen's browser adopt someone else's code), and the page
is opened again without the two parameters.

Whatever arrives in `code` and `state` is untrusted: every refusal is a plain 400 page, and a
WeChat that cannot be reached a 503 one, never a 500.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.html import format_html
from django.utils.translation import gettext as _

from .client import _send
from .errors import WeChatApiError, WeChatNetworkError, WeChatServerError
from .models import OfficialAccount

logger = logging.getLogger(__name__)

# session[OPENIDS_KEY] = {"<account pk>": "<openid>"}: one citizen may open several accounts' pages.
OPENIDS_KEY = "wz_citizen_openids"
# session[STATES_KEY] = {"<state>": <account pk>}: authorisations under way (a few tabs at most).
STATES_KEY = "wz_oauth_states"
MAX_PENDING_STATES = 8
SCOPE = "snsapi_base"
# Where WeChat's authorise page lives when the account talks to the real API host.
REAL_API_HOST = "https://api.weixin.qq.com"
REAL_OPEN_HOST = "https://open.weixin.qq.com"

View = Callable[..., HttpResponse]


def authorize_base_url(account: OfficialAccount) -> str:
    """open.weixin.qq.com for real WeChat; the mock serves the page under its own base URL."""
    base = account.api_base_url.rstrip("/")
    return REAL_OPEN_HOST if base.startswith(REAL_API_HOST) else base


def authorize_url(account: OfficialAccount, *, redirect_uri: str, state: str) -> str:
    query = urlencode(
        {
            "appid": account.app_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": SCOPE,
            "state": state,
        }
    )
    return f"{authorize_base_url(account)}/connect/oauth2/authorize?{query}#wechat_redirect"


def exchange_code(account: OfficialAccount, code: str) -> str:
    """The openid behind a web-authorisation code (a code works once, for 5 minutes)."""
    url = account.api_base_url.rstrip("/") + "/sns/oauth2/access_token"
    result = _send(
        account,
        "GET",
        url,
        api="sns/oauth2/access_token",
        params={
            "appid": account.app_id,
            "secret": account.app_secret,
            "code": code,
            "grant_type": "authorization_code",
        },
        token_call=True,  # authenticated by the AppSecret, not by an access_token
    )
    openid = result.get("openid") if isinstance(result, dict) else None
    if not openid or not isinstance(openid, str):
        raise WeChatApiError(None, "no openid in the answer", api="sns/oauth2/access_token")
    return openid


def citizen_openid(request: HttpRequest, account: OfficialAccount) -> str | None:
    return request.session.get(OPENIDS_KEY, {}).get(str(account.pk))


def forget_citizen(request: HttpRequest, account: OfficialAccount) -> str | None:
    """Drop the account's citizen sign-in from this session (the next page signs in again).

    Only the phone simulator calls it (dev and demo: one browser plays several phones, so a
    switch of persona must not keep the previous persona's openid). Nothing on real WeChat does:
    a session there is one person's phone and keeps its openid."""
    openids = dict(request.session.get(OPENIDS_KEY, {}))
    forgotten = openids.pop(str(account.pk), None)
    if forgotten is not None:
        request.session[OPENIDS_KEY] = openids
    return forgotten


def _remember_openid(request: HttpRequest, account: OfficialAccount, openid: str) -> None:
    openids = dict(request.session.get(OPENIDS_KEY, {}))
    openids[str(account.pk)] = openid
    request.session[OPENIDS_KEY] = openids


def _new_state(request: HttpRequest, account: OfficialAccount) -> str:
    state = secrets.token_hex(16)  # WeChat allows [a-zA-Z0-9], up to 128 bytes
    pending = dict(request.session.get(STATES_KEY, {}))
    pending[state] = account.pk
    # Keep the newest few: dicts keep insertion order.
    request.session[STATES_KEY] = dict(list(pending.items())[-MAX_PENDING_STATES:])
    return state


def _take_state(request: HttpRequest, state: str) -> int | None:
    pending = dict(request.session.get(STATES_KEY, {}))
    account_pk = pending.pop(state, None)
    request.session[STATES_KEY] = pending
    return account_pk


def _page_url(request: HttpRequest) -> str:
    """This page's absolute URL without WeChat's code and state."""
    query = request.GET.copy()
    for name in ("code", "state"):
        query.pop(name, None)
    url = request.build_absolute_uri(request.path)
    return f"{url}?{query.urlencode()}" if query else url


def refusal_page(title: str, message: str, *, status: int = 400) -> HttpResponse:
    """A small page a phone can show; `title` and `message` are escaped."""
    html = format_html(
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>{}</title></head>"
        '<body style="font-family:sans-serif;text-align:center;padding:48px 16px;color:#333">'
        '<h1 style="font-size:20px;font-weight:500">{}</h1>'
        '<p class="oauth-refusal" style="color:#888">{}</p></body></html>',
        title,
        title,
        message,
    )
    return HttpResponse(html, status=status, content_type="text/html; charset=utf-8")


def _finish_authorisation(request: HttpRequest, account: OfficialAccount) -> HttpResponse:
    """WeChat sent the citizen back with ?code=&state=: check, exchange, and reopen the page."""
    title = _("This page could not be opened")
    state = request.GET.get("state", "")
    code = request.GET.get("code", "")
    if not state or _take_state(request, state) != account.pk:
        return refusal_page(
            title,
            _(
                "The sign-in link is invalid or has already been used. Open the page again from "
                "the account's menu."
            ),
        )
    if not code:
        # snsapi_userinfo lets the citizen refuse; WeChat then sends the state alone.
        return refusal_page(title, _("WeChat did not confirm who you are. Please try again."))
    try:
        openid = exchange_code(account, code)
    except (WeChatNetworkError, WeChatServerError):
        logger.warning("OAuth code exchange for %s: WeChat unreachable", account.slug)
        return refusal_page(
            title, _("WeChat cannot be reached right now. Please try again later."), status=503
        )
    except WeChatApiError as exc:
        logger.info("OAuth code refused for %s: %s", account.slug, exc.errcode)
        return refusal_page(
            title,
            _(
                "The sign-in link has expired or has already been used. Open the page again from "
                "the account's menu."
            ),
        )
    _remember_openid(request, account, openid)
    return HttpResponseRedirect(_page_url(request))


def citizen_page(view: View) -> View:
    """For views under /h5/<account_slug>/: 404 for an unknown or inactive account; sign the
    citizen in through WeChat when the session does not know them yet; then call the view with
    `request.account` and `request.citizen_openid` set (the slug is not passed on)."""

    @wraps(view)
    def wrapped(request: HttpRequest, account_slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
        account = OfficialAccount.objects.filter(slug=account_slug, is_active=True).first()
        if account is None:
            raise Http404(_("No such official account."))
        if "code" in request.GET or "state" in request.GET:
            return _finish_authorisation(request, account)
        openid = citizen_openid(request, account)
        if not openid:
            state = _new_state(request, account)
            return HttpResponseRedirect(
                authorize_url(account, redirect_uri=_page_url(request), state=state)
            )
        request.account = account  # type: ignore[attr-defined]
        request.citizen_openid = openid  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped
