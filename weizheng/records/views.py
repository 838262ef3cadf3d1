"""Citizen H5 pages of 综合查询: the list of queries the account offers, and one page per query
type. A real-name binding is required: the subject of every query is the bound identity."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from weizheng.core.errors import AppError
from weizheng.core.http import client_ip
from weizheng.core.masking import mask_id_number, mask_name
from weizheng.identity.decorators import binding_required
from weizheng.wechat.oauth import citizen_page

from . import actions, registry, selectors
from .connectors.base import Subject
from .presentation import record_cards, summary_rows

# HTTP status of the page for each outcome (the page itself always explains it).
OUTCOME_STATUS = {
    "ok": 200,
    "not_found": 200,
    "refused": 200,
    "malformed": 502,
    "unavailable": 503,
    "error": 503,
    "timeout": 504,
}


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"  # personal data: never from a shared cache
    return response


@citizen_page
@binding_required
def index(request: HttpRequest) -> HttpResponse:
    """综合查询: the query types the account offers."""
    account = request.account  # type: ignore[attr-defined]
    return _no_store(
        render(
            request,
            "records/h5/index.html",
            {"account": account, "types": selectors.enabled_types(account=account)},
        )
    )


@citizen_page
@binding_required
def query(request: HttpRequest, code: str) -> HttpResponse:
    """One query type. A type without parameters answers on GET. A type with parameters (a plate)
    shows its form on GET and answers the form's POST (CSRF-protected): a plate is personal data
    and never goes into a URL, where access logs and browser history would keep it. The link of
    a WeChat reply carries a short-lived token (`?t=`) standing for the parameters instead."""
    account = request.account  # type: ignore[attr-defined]
    binding = request.binding  # type: ignore[attr-defined]
    openid = request.citizen_openid  # type: ignore[attr-defined]
    query_type = registry.get(code)
    if query_type is None or query_type not in selectors.enabled_types(account=account):
        raise Http404(_("This query is not offered here."))
    names = [p.name for p in query_type.params]
    raw_params: dict[str, str] | None = None
    if not query_type.params:
        raw_params = {}
    elif request.method == "POST":
        raw_params = {name: request.POST.get(name, "") for name in names}
    elif request.GET.get("t"):
        raw_params = selectors.remembered_params(
            token=request.GET["t"], account=account, openid=openid, code=code
        )
    context: dict[str, Any] = {
        "account": account,
        "query_type": query_type,
        "subject": f"{mask_name(binding.name)}（{mask_id_number(binding.id_number)}）",
        "values": {name: (raw_params or {}).get(name, "") for name in names},
        "errors": {},
        "suggestions": _suggestions(account, query_type, binding),
    }
    status = 200
    if raw_params is not None:
        try:
            outcome = actions.check_run_query(
                account=account,
                openid=openid,
                binding=binding,
                code=code,
                raw_params=raw_params,
                channel="h5",
                ip_address=client_ip(request),
            )
        except AppError as refused:
            status = refused.status
            if refused.code == "invalid_params":
                context["errors"] = {
                    name: " ".join(messages) for name, messages in refused.extra["fields"].items()
                }
            else:
                context["refusal"] = refused.message
                context["retry_after"] = refused.extra.get("retry_after")
        else:
            status = OUTCOME_STATUS.get(outcome.status, 503)
            context["outcome"] = outcome
            context["shown_params"] = query_type.display_params(outcome.params)
            # Trying again posts the parameters again (in the body); a type without any
            # reloads the page.
            context["retry_params"] = outcome.params
            context["retry_url"] = request.get_full_path() if request.method == "GET" else ""
            if outcome.result is not None:
                context["summary"] = summary_rows(query_type, outcome.result)
                context["cards"] = record_cards(query_type, outcome.result)
    response = render(request, "records/h5/query.html", context, status=status)
    if context.get("retry_after"):
        response["Retry-After"] = str(context["retry_after"])
    return _no_store(response)


def _suggestions(account: Any, query_type: Any, binding: Any) -> list[dict[str, Any]]:
    """Quick picks for the first parameter (the demo citizen's plates), displayed and raw."""
    if not query_type.params:
        return []
    param = query_type.params[0]
    values = selectors.suggested_params(
        account=account, query_type=query_type, subject=Subject.from_binding(binding)
    ).get(param.name, [])
    return [{"name": param.name, "value": v, "text": param.display(v)} for v in values]
