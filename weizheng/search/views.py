"""The citizen H5 search page: /h5/<account_slug>/search/?q=&kind=&issuer=&year=&topic=&validity=&page=

Public (policies are public information): no WeChat sign-in. WeUI look, a large-font mode
(?large=1 / ?large=0, kept in the `wz_large` cookie, as on the content pages).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from weizheng.core.errors import AppError
from weizheng.wechat.models import OfficialAccount

from .links import search_path
from .models import FACET_COLUMNS
from .selectors import example_queries, search_entries

PAGE_SIZE = 10
MAX_PAGE = 50
LARGE_FONT_COOKIE = "wz_large"
YEAR_SECONDS = 365 * 24 * 3600
LANGUAGES = ("zh-hans", "en")

FACET_LABELS = {
    "kind": _("Type"),
    "issuer": _("Issuing body"),
    "year": _("Year"),
    "topic": _("Topic"),
    "validity": _("Validity"),
}
VALUE_LABELS = {
    "kind": {"policy": _("Policy document"), "news": _("News"), "guide": _("Service guide")},
    "validity": {"in_force": _("In force"), "amended": _("Amended"), "repealed": _("Repealed")},
}
EXAMPLES = ("公积金提取", "居住证", "交通违法", "不动产登记")


def _page_number(raw: str | None) -> int:
    try:
        return min(max(int(raw or 1), 1), MAX_PAGE)
    except ValueError:
        return 1


def _facet_options(
    counts: dict[str, dict[str, int]], chosen: dict[str, str]
) -> list[dict[str, Any]]:
    """Each facet with its values, counts and the chosen one (kept even when it counts 0)."""
    options = []
    for name in FACET_COLUMNS:
        values = dict(counts.get(name, {}))
        if chosen[name] and chosen[name] not in values:
            values[chosen[name]] = 0
        if not values:
            continue
        if name == "year":  # newest first
            ordered = sorted(values.items(), key=lambda kv: kv[0], reverse=True)
        else:  # most matches first
            ordered = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
        options.append(
            {
                "name": name,
                "label": FACET_LABELS[name],
                "chosen": chosen[name],
                "values": [
                    {
                        "value": value,
                        "label": VALUE_LABELS.get(name, {}).get(value, value),
                        "count": count,
                    }
                    for value, count in ordered
                ],
            }
        )
    return options


def _meta(facets: dict[str, Any]) -> list[str]:
    """What a result line says under its title: issuer, year, and validity unless in force."""
    meta = [str(facets[name]) for name in ("issuer", "year") if facets.get(name)]
    validity = facets.get("validity")
    if validity and validity != "in_force":
        meta.append(str(VALUE_LABELS["validity"].get(validity, validity)))
    return meta


def search_page(request: HttpRequest, account_slug: str) -> HttpResponse:
    """Search an account's documents; the result list links to each item's own page."""
    account = OfficialAccount.objects.filter(slug=account_slug, is_active=True).first()
    if account is None:
        raise Http404(_("No such official account."))
    asked_large = request.GET.get("large")
    if asked_large in ("0", "1"):
        large_font = asked_large == "1"
    else:
        large_font = request.COOKIES.get(LARGE_FONT_COOKIE) == "1"
    language = request.GET.get("lang") if request.GET.get("lang") in LANGUAGES else None
    with translation.override(language or account.default_language):
        response = render(
            request,
            "search/h5/search.html",
            _context(request, account=account, language=language, large_font=large_font),
        )
    if asked_large in ("0", "1"):
        response.set_cookie(
            LARGE_FONT_COOKIE, asked_large, max_age=YEAR_SECONDS, samesite="Lax", httponly=True
        )
    return response


def _context(
    request: HttpRequest, *, account: OfficialAccount, language: str | None, large_font: bool
) -> dict[str, Any]:
    query = request.GET.get("q")
    chosen = {name: request.GET.get(name, "").strip() for name in FACET_COLUMNS}
    page = _page_number(request.GET.get("page"))
    toggles = {}
    for name, value in (("large_on_url", "1"), ("large_off_url", "0")):
        params = request.GET.copy()
        params["large"] = value
        toggles[name] = "?" + params.urlencode()
    context: dict[str, Any] = {
        **toggles,
        "language": language or "",
        "account": account,
        "query": query or "",
        "large_font": large_font,
        "examples": [
            {"text": text, "url": search_path(account.slug, text)}
            for text in example_queries(account_id=account.pk) or EXAMPLES
        ],
        "searched": query is not None,
        "results": None,
        "error": "",
        "chosen": {name: value for name, value in chosen.items() if value},
    }
    if query is None:
        return context
    try:
        results = search_entries(
            account_id=account.pk,
            query=query,
            language=language,
            facets=chosen,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
        )
    except AppError as refused:
        context["error"] = refused.message
        return context
    pages = max(1, -(-results.total // PAGE_SIZE))
    filters = {name: value for name, value in chosen.items() if value}
    context.update(
        results=results,
        facets=_facet_options(results.facet_counts, chosen),
        page=page,
        pages=min(pages, MAX_PAGE),
        previous_url=(
            search_path(account.slug, query, **filters, page=str(page - 1)) if page > 1 else ""
        ),
        next_url=(
            search_path(account.slug, query, **filters, page=str(page + 1))
            if page < min(pages, MAX_PAGE)
            else ""
        ),
        clear_url=search_path(account.slug, query),
        hits=[{"hit": hit, "meta": _meta(hit.facets)} for hit in results.hits],
    )
    return context
