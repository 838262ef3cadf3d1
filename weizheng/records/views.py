"""Citizen H5 pages of 综合查询: the list of queries the account offers, and one page per query
type. A real-name binding is required: the subject of every query is the bound identity."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from weizheng.core.errors import AppError
from weizheng.core.http import client_ip
from weizheng.core.masking import mask_id_number, mask_name
from weizheng.identity.decorators import binding_required
from weizheng.wechat.oauth import citizen_page

from . import actions, registry, selectors
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
    """One query type: the parameter form when it has parameters, then the results."""
    account = request.account  # type: ignore[attr-defined]
    binding = request.binding  # type: ignore[attr-defined]
    query_type = registry.get(code)
    if query_type is None or query_type not in selectors.enabled_types(account=account):
        raise Http404(_("This query is not offered here."))
    context = {
        "account": account,
        "query_type": query_type,
        "subject": f"{mask_name(binding.name)}（{mask_id_number(binding.id_number)}）",
        "values": {p.name: request.GET.get(p.name, "") for p in query_type.params},
        "errors": {},
    }
    asked = not query_type.params or any(request.GET.get(p.name) for p in query_type.params)
    status = 200
    if asked:
        try:
            outcome = actions.check_run_query(
                account=account,
                openid=request.citizen_openid,  # type: ignore[attr-defined]
                binding=binding,
                code=code,
                raw_params=request.GET.dict(),
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
            context["retry_url"] = request.get_full_path()
            if outcome.result is not None:
                context["summary"] = summary_rows(query_type, outcome.result)
                context["cards"] = record_cards(query_type, outcome.result)
    response = render(request, "records/h5/query.html", context, status=status)
    if context.get("retry_after"):
        response["Retry-After"] = str(context["retry_after"])
    return _no_store(response)
