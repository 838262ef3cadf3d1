"""Citizen H5 pages of real-name binding (opened from the account's menu inside WeChat).

start (privacy notice + consent) → form (name, ID number, phone; "send code"; the code) → done;
mine (我的数据: everything held, masked, audited; other apps add their sections through
personal_data.register) → unbind (confirm, listing what is still under way). Views parse and call one
action; refusals re-render the page with the reason next to the field and a 4xx status.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from weizheng.core.errors import AppError
from weizheng.core.http import client_ip
from weizheng.core.masking import mask_phone
from weizheng.wechat.oauth import citizen_page

from . import actions
from .notice import NOTICE_VERSION
from .selectors import active_binding, own_data

# session[CONSENT_KEY] = {"<account pk>": {"version": "2026-02", "at": "<iso time>", "openid": ...}}
CONSENT_KEY = "wz_identity_consent"


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    response = render(request, template, {"account": request.account, **context}, status=status)  # type: ignore[attr-defined]
    response["Cache-Control"] = "no-store"  # personal data: never from a shared cache
    return response


def _url(request: HttpRequest, name: str, next_url: str = "", **params: str) -> str:
    url = reverse(f"identity:{name}", kwargs={"account_slug": request.account.slug})  # type: ignore[attr-defined]
    query = {**({"next": next_url} if next_url else {}), **params}
    return f"{url}?{urlencode(query)}" if query else url


def _next(request: HttpRequest) -> str:
    """Where to go once bound: a page of this account on this site, or nowhere."""
    value = request.POST.get("next") or request.GET.get("next") or ""
    prefix = f"/h5/{request.account.slug}/"  # type: ignore[attr-defined]
    if not value.startswith(prefix) or not url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=False
    ):
        return ""
    return value


def _consented(request: HttpRequest) -> str:
    """The notice version the citizen agreed to in this session ("" when none). The consent is
    the signed-in citizen's: another openid in the same session (the simulator's personas) has
    not given it."""
    given = request.session.get(CONSENT_KEY, {}).get(str(request.account.pk))  # type: ignore[attr-defined]
    if not isinstance(given, dict) or given.get("openid") != request.citizen_openid:  # type: ignore[attr-defined]
        return ""
    return str(given.get("version", ""))


def _service_links(account: Any) -> list[tuple[str, str]]:
    """The account's main services a newly bound citizen can go on to (those installed)."""
    from django.urls import NoReverseMatch

    links = []
    for name, label in (
        ("records:index", _("Look up my records")),
        ("eservices:guides", _("Service guides and online applications")),
        ("appointments:index", _("Book an appointment")),
    ):
        try:
            links.append((reverse(name, kwargs={"account_slug": account.slug}), label))
        except NoReverseMatch:
            continue
    return links


@citizen_page
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """实名绑定: the privacy notice and the consent tick."""
    next_url = _next(request)
    if active_binding(account=request.account, openid=request.citizen_openid):  # type: ignore[attr-defined]
        return HttpResponseRedirect(next_url or _url(request, "mine"))
    error = ""
    if request.method == "POST":
        if request.POST.get("agree") == "on" and request.POST.get("version") == NOTICE_VERSION:
            consents = dict(request.session.get(CONSENT_KEY, {}))
            consents[str(request.account.pk)] = {  # type: ignore[attr-defined]
                "version": NOTICE_VERSION,
                "at": timezone.now().isoformat(),
                "openid": request.citizen_openid,  # type: ignore[attr-defined]
            }
            request.session[CONSENT_KEY] = consents
            return HttpResponseRedirect(_url(request, "form", next_url))
        error = _("Please tick the box to agree to the privacy notice before you continue.")
    return _page(
        request,
        "identity/h5/start.html",
        {
            "next": next_url,
            "version": NOTICE_VERSION,
            "error": error,
            "unbound": request.GET.get("unbound") == "1",
        },
        status=400 if error else 200,
    )


@citizen_page
@require_http_methods(["GET", "POST"])
def form(request: HttpRequest) -> HttpResponse:
    """Name, ID number and phone; "send code" sends the SMS, "bind" checks it and binds."""
    account = request.account  # type: ignore[attr-defined]
    openid: str = request.citizen_openid  # type: ignore[attr-defined]
    next_url = _next(request)
    if active_binding(account=account, openid=openid):
        return HttpResponseRedirect(next_url or _url(request, "mine"))
    version = _consented(request)
    if version != NOTICE_VERSION:
        return HttpResponseRedirect(_url(request, "start", next_url))
    values = {f: request.POST.get(f, "") for f in ("name", "id_number", "phone", "code")}
    errors: dict[str, str] = {}
    notice = ""
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            identity = actions.check_identity(
                name=values["name"], id_number=values["id_number"], phone=values["phone"]
            )
            if action == "send":
                actions.check_send_code(
                    account=account, openid=openid, identity=identity, ip_address=client_ip(request)
                )
                notice = _("A 6-digit code was sent to %(phone)s. It is valid for 5 minutes.") % {
                    "phone": mask_phone(identity.phone)
                }
                values["code"] = ""
            elif action == "bind":
                actions.check_bind(
                    account=account,
                    openid=openid,
                    identity=identity,
                    code=values["code"],
                    notice_version=version,
                    ip_address=client_ip(request),
                )
                consents = dict(request.session.get(CONSENT_KEY, {}))
                consents.pop(str(account.pk), None)
                request.session[CONSENT_KEY] = consents
                return HttpResponseRedirect(_url(request, "done", next_url))
            else:
                raise AppError("unknown_action", _("Choose “Send code” or “Bind”."))
        except AppError as refused:
            errors[refused.extra.get("field") or "form"] = refused.message
            status = refused.status
    return _page(
        request,
        "identity/h5/form.html",
        {"next": next_url, "values": values, "errors": errors, "notice": notice},
        status=status,
    )


@citizen_page
def done(request: HttpRequest) -> HttpResponse:
    """Bound: where to go next."""
    binding = active_binding(account=request.account, openid=request.citizen_openid)  # type: ignore[attr-defined]
    if binding is None:
        return HttpResponseRedirect(_url(request, "start"))
    return _page(
        request,
        "identity/h5/done.html",
        {"next": _next(request), "services": _service_links(request.account)},  # type: ignore[attr-defined]
    )


@citizen_page
def mine(request: HttpRequest) -> HttpResponse:
    """我的数据: everything the account holds about the citizen, masked. Each view is audited."""
    account = request.account  # type: ignore[attr-defined]
    openid: str = request.citizen_openid  # type: ignore[attr-defined]
    data = own_data(account=account, openid=openid)
    actions.do_audit_citizen_view(
        account=account,
        openid=openid,
        binding=data.binding,
        page="mine",
        ip_address=client_ip(request),
    )
    from weizheng.followers.h5_selectors import mask_openid
    from weizheng.followers.labels import follow_source_label, language_label
    from weizheng.notifications import registry as kinds

    from .personal_data import held_about

    follower = data.follower
    notifications = []
    for n in data.notifications:
        kind = kinds.get(n.kind)
        notifications.append((n, str(kind.citizen_label or kind.label) if kind else n.kind))
    return _page(
        request,
        "identity/h5/mine.html",
        {
            "data": data,
            "notifications": notifications,
            "sections": held_about(account=account, openid=openid),
            "masked_openid": mask_openid(openid),
            "tags": sorted(t.name for t in follower.tags.all()) if follower else [],
            "follow_source": follow_source_label(follower.subscribe_source) if follower else "",
            "language": language_label(follower.language) if follower else "",
        },
    )


@citizen_page
@require_http_methods(["GET", "POST"])
def unbind(request: HttpRequest) -> HttpResponse:
    """Confirm, then end the binding (the personal data is wiped)."""
    account = request.account  # type: ignore[attr-defined]
    binding = active_binding(account=account, openid=request.citizen_openid)  # type: ignore[attr-defined]
    if binding is None:
        return HttpResponseRedirect(_url(request, "start"))
    error = ""
    if request.method == "POST":
        if request.POST.get("confirm") == "yes":
            try:
                actions.do_unbind(binding=binding, ip_address=client_ip(request))
            except AppError as refused:
                error = refused.message
            else:
                return HttpResponseRedirect(_url(request, "start", unbound="1"))
        else:
            error = _("Tick the box to confirm that you want to unbind.")
    from .personal_data import in_progress_for

    return _page(
        request,
        "identity/h5/unbind.html",
        {
            "error": error,
            "in_progress": in_progress_for(account=account, openid=request.citizen_openid),  # type: ignore[attr-defined]
        },
        status=400 if error else 200,
    )
