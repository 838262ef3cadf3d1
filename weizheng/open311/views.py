"""Open311 GeoReport v2 (docs/open311.md): each view reads the call, resolves the jurisdiction and
the caller, and answers in the format the URL names (.json or .xml). Every refusal is the spec's
error list with the HTTP status."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from weizheng.core.errors import AppError
from weizheng.core.http import client_ip

from . import actions, render, selectors
from .models import ApiClient

logger = logging.getLogger(__name__)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When what discovery describes last changed (the adapter's own version of it).
CHANGESET = "2026-11-26T00:00:00+08:00"
MAX_DAYS = 90
MAX_REQUESTS = 1000


def api(*, methods: tuple[str, ...] = ("GET",)) -> Callable[..., Any]:
    """Format check, method check, and AppError → the spec's error list. Every view is exempt
    from CSRF: the API is authenticated by api_key, never by a cookie or a session, and a POST
    to a GET-only resource must get the spec's 405 error list, not Django's CSRF page."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
            if fmt not in render.FORMATS:
                return render.errors(
                    400, _("Only the formats json and xml are served."), fmt="json"
                )
            allowed = (*methods, "HEAD") if "GET" in methods else methods
            if request.method not in allowed:
                refused = render.errors(
                    405, _("This address does not accept that method."), fmt=fmt
                )
                refused["Allow"] = ", ".join(allowed)
                return refused
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except AppError as error:
                response = render.errors(error.status, error.message, fmt=fmt)
                if "retry_after" in error.extra:
                    response["Retry-After"] = str(error.extra["retry_after"])
                return response

        return csrf_exempt(wrapper)

    return decorate


def _client(request: HttpRequest, *, required: bool) -> ApiClient | None:
    """The caller's client from api_key (form body or query string). A key given must be valid;
    GET calls need none."""
    key = request.POST.get("api_key") or request.GET.get("api_key") or ""
    if not key:
        if required:
            raise AppError("api_key_missing", _("An api_key is required to post."), status=403)
        return None
    client = selectors.client_for_key(key)
    if client is None:
        logger.warning("open311: a call with an unknown or revoked key from %s", client_ip(request))
        raise AppError("bad_api_key", _("The api_key is not valid."), status=403)
    return client


def _param(request: HttpRequest, name: str, *, strip: bool = True) -> str:
    """A parameter of the call: a POST's form body first, then the query string (the Swagger
    document declares POST parameters in the query; the prose spec sends a form body)."""
    value = (request.POST.get(name) if request.method == "POST" else None) or request.GET.get(name)
    return (value or "").strip() if strip else (value or "")


# --- discovery and services ---------------------------------------------------------------------
@api()
def discovery(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """Where the endpoint is, what it speaks, and the jurisdictions it serves."""
    from django.conf import settings

    served = list(selectors.jurisdictions())
    url = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt}))
    body = {
        "changeset": CHANGESET,
        "contact": getattr(settings, "OPEN311_CONTACT", "")
        or _("Ask the administrator of this site."),
        "key_service": getattr(settings, "OPEN311_KEY_SERVICE", "")
        or _("API keys are issued by the administrator of this site."),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url.rsplit("/", 1)[0],
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
        "jurisdiction_id_required": len(served) > 1,
        "jurisdictions": [{"jurisdiction_id": a.slug, "name": a.name} for a in served],
    }
    return render.respond(body, fmt=fmt, root="discovery")


def _service(category: Any) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or None,
        "metadata": True,
        "type": "realtime",
        "keywords": category.name,
        "group": selectors.GROUP,
    }


@api()
def services(request: HttpRequest, *, fmt: str) -> HttpResponse:
    client = _client(request, required=False)
    account = selectors.resolve_jurisdiction(_param(request, "jurisdiction_id"), client=client)
    body = [_service(c) for c in selectors.services(account=account)]
    return render.respond(body, fmt=fmt, root="services")


@api()
def service_definition(request: HttpRequest, *, code: str, fmt: str) -> HttpResponse:
    client = _client(request, required=False)
    account = selectors.resolve_jurisdiction(_param(request, "jurisdiction_id"), client=client)
    category = selectors.service(account=account, code=code)
    body = {
        "service_code": category.code,
        "attributes": [
            {
                "variable": a.variable,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": a.datatype_description or None,
                "order": a.order,
                "description": a.description,
                "values": [{"key": key, "name": name} for key, name in a.values],
            }
            for a in selectors.attributes(category)
        ],
    }
    return render.respond(body, fmt=fmt, root="service_definition")


# --- requests -----------------------------------------------------------------------------------
def _date(request: HttpRequest, name: str) -> datetime | None:
    value = _param(request, name)
    if not value:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise AppError(
            "bad_date",
            _("%(name)s must be a W3C date and time such as 2026-11-26T09:30:00+08:00.")
            % {"name": name},
        )
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _span(request: HttpRequest) -> tuple[datetime, datetime]:
    """start_date..end_date, at most 90 days; the last 90 days by default, 90 days from a lone
    start, 90 days up to a lone end."""
    given_start, given_end = _date(request, "start_date"), _date(request, "end_date")
    if given_start is None and given_end is None:
        given_end = timezone.now()
    if given_start is None:
        assert given_end is not None  # noqa: S101 - set just above when both were missing
        start, end = given_end - timedelta(days=MAX_DAYS), given_end
    else:
        start, end = given_start, given_end or given_start + timedelta(days=MAX_DAYS)
    if end < start:
        raise AppError("bad_date_range", _("end_date is before start_date."))
    if end - start > timedelta(days=MAX_DAYS):
        raise AppError(
            "date_range_too_long",
            _("start_date and end_date may span at most %(n)d days.") % {"n": MAX_DAYS},
        )
    return start, end


def _status(request: HttpRequest) -> str:
    wanted = {part.strip() for part in _param(request, "status").split(",") if part.strip()}
    if wanted - {"open", "closed"}:
        raise AppError("bad_status", _("status is open, closed or both (open,closed)."))
    return wanted.pop() if len(wanted) == 1 else ""


def _list_requests(request: HttpRequest, *, fmt: str) -> HttpResponse:
    client = _client(request, required=False)
    account = selectors.resolve_jurisdiction(_param(request, "jurisdiction_id"), client=client)
    ids = [part.strip() for part in _param(request, "service_request_id").split(",")]
    if any(ids):
        found = selectors.by_public_ids(account=account, public_ids=ids)
    else:
        codes = [part.strip() for part in _param(request, "service_code").split(",")]
        codes = [code for code in codes if code]
        for code in codes:
            selectors.service(account=account, code=code)
        start, end = _span(request)
        found = selectors.listed(
            account=account,
            category_codes=codes or None,
            start=start,
            end=end,
            status=_status(request),
            limit=MAX_REQUESTS,
        )
    body = [selectors.request_fields(inquiry, client) for inquiry in found]
    return render.respond(body, fmt=fmt, root="service_requests")


def _attributes(data: QueryDict) -> dict[str, list[str]]:
    """attribute[code]=value, or attribute[code][]=value repeated for a multivaluelist."""
    answers: dict[str, list[str]] = {}
    for key in data:
        if key.startswith("attribute[") and "]" in key:
            code = key[len("attribute[") : key.index("]")]
            answers.setdefault(code, []).extend(v.strip() for v in data.getlist(key))
    return answers


def _post_request(request: HttpRequest, *, fmt: str) -> HttpResponse:
    client = _client(request, required=True)
    assert client is not None  # noqa: S101 - required=True raised otherwise
    account = selectors.resolve_jurisdiction(_param(request, "jurisdiction_id"), client=client)
    data = request.POST
    submission = actions.Submission(
        service_code=_param(request, "service_code"),
        description=_param(request, "description", strip=False),
        lat=_param(request, "lat"),
        long=_param(request, "long"),
        address_string=_param(request, "address_string"),
        address_id=_param(request, "address_id"),
        media_url=_param(request, "media_url"),
        first_name=_param(request, "first_name"),
        last_name=_param(request, "last_name"),
        phone=_param(request, "phone"),
        email=_param(request, "email"),
        attributes={**_attributes(request.GET), **_attributes(data)},
    )
    if not submission.service_code:
        raise AppError("service_code_missing", _("service_code is required."))
    inquiry = actions.check_post_request(
        client=client, account=account, submission=submission, ip_address=client_ip(request)
    )
    body = [
        {
            "service_request_id": inquiry.public_id,
            "service_notice": selectors.service_notice(inquiry) or None,
        }
    ]
    return render.respond(body, fmt=fmt, root="service_requests")


@api(methods=("GET", "POST"))
def requests(request: HttpRequest, *, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt=fmt)
    return _list_requests(request, fmt=fmt)


@api()
def request_detail(request: HttpRequest, *, public_id: str, fmt: str) -> HttpResponse:
    client = _client(request, required=False)
    account = selectors.resolve_jurisdiction(_param(request, "jurisdiction_id"), client=client)
    inquiry = selectors.one(account=account, public_id=public_id)
    body = [selectors.request_fields(inquiry, client)]
    return render.respond(body, fmt=fmt, root="service_requests")


@api()
def token(request: HttpRequest, *, token_id: str, fmt: str) -> HttpResponse:
    """Requests are created at once, so a request's token is its number: the answer maps it to
    itself (clients written for batch servers still work)."""
    client = _client(request, required=False)
    account = selectors.resolve_jurisdiction(_param(request, "jurisdiction_id"), client=client)
    inquiry = selectors.one(account=account, public_id=token_id)
    body = [{"service_request_id": inquiry.public_id, "token": token_id}]
    return render.respond(body, fmt=fmt, root="service_requests")
