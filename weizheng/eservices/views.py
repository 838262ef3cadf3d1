"""Citizen H5 pages of service guides, under /h5/<account_slug>/services/: the list by category
with a search box, and a guide laid out like a 政务服务 guide (materials table, time limits, fee in
yuan, place and hours, FAQ). Public information: no WeChat sign-in is forced. Large-text mode
(?large=1 / 0, the `wz_large` cookie shared with the other H5 pages)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation

from weizheng.core.errors import AppError
from weizheng.wechat.models import OfficialAccount
from weizheng.wechat.oauth import citizen_openid

from .models import Language
from .selectors import public_categories, public_guides, reading_for, search_guides

LARGE_FONT_COOKIE = "wz_large"
YEAR_SECONDS = 365 * 24 * 3600
SEARCH_LIMIT = 30

View = Callable[..., HttpResponse]


def _language(request: HttpRequest, account: OfficialAccount) -> str:
    """?lang= first, then the follower's WeChat language when the session knows them, then the
    account's default."""
    requested = request.GET.get("lang", "")
    if requested in Language.values:
        return requested
    openid = citizen_openid(request, account)
    if openid:
        from weizheng.followers.models import Follower

        spoken = (
            Follower.objects.filter(account=account, openid=openid)
            .values_list("language", flat=True)
            .first()
        )
        if spoken:
            return Language.EN if spoken.lower().startswith("en") else Language.ZH_HANS
    return account.default_language if account.default_language in Language.values else "zh-hans"


def guide_page(view: View) -> View:
    """404 for an unknown account; sets request.account, request.reader_language and
    request.large_font, and renders in the reader's language."""

    @wraps(view)
    def wrapped(request: HttpRequest, account_slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
        account = OfficialAccount.objects.filter(slug=account_slug, is_active=True).first()
        if account is None:
            raise Http404("No such official account.")
        request.account = account  # type: ignore[attr-defined]
        request.reader_language = _language(request, account)  # type: ignore[attr-defined]
        asked = request.GET.get("large")
        request.large_font = (  # type: ignore[attr-defined]
            asked == "1" if asked in ("0", "1") else request.COOKIES.get(LARGE_FONT_COOKIE) == "1"
        )
        with translation.override(request.reader_language):  # type: ignore[attr-defined]
            response = view(request, *args, **kwargs)
        if asked in ("0", "1"):
            response.set_cookie(
                LARGE_FONT_COOKIE, asked, max_age=YEAR_SECONDS, samesite="Lax", httponly=True
            )
        return response

    return wrapped


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {
        "account": request.account,  # type: ignore[attr-defined]
        "large_font": request.large_font,  # type: ignore[attr-defined]
        "reader_language": request.reader_language,  # type: ignore[attr-defined]
        **extra,
    }


def home(request: HttpRequest, account_slug: str) -> HttpResponse:
    """/h5/<slug>/services/: the guides for now (online applications will join them)."""
    return redirect(reverse("eservices:guides", kwargs={"account_slug": account_slug}))


@guide_page
def guide_list(request: HttpRequest) -> HttpResponse:
    """Guides by category (?category=), or the guides matching ?q= through the search index."""
    account = request.account  # type: ignore[attr-defined]
    language = request.reader_language  # type: ignore[attr-defined]
    query = request.GET.get("q")
    category = request.GET.get("category", "")[:50]
    context = _context(
        request,
        categories=public_categories(account=account, language=language),
        category=category,
        query=query or "",
        searched=query is not None and query.strip() != "",
        error="",
        hits=[],
        total=0,
        guides=[],
    )
    if context["searched"]:
        try:
            results = search_guides(account=account, query=query or "", limit=SEARCH_LIMIT)
        except AppError as refused:
            context["error"] = refused.message
        else:
            context.update(hits=results.hits, total=results.total, terms=results.terms)
    else:
        context["guides"] = public_guides(account=account, language=language, category=category)
    return render(request, "eservices/h5/guides.html", context)


@guide_page
def guide_detail(request: HttpRequest, guide_id: int) -> HttpResponse:
    account = request.account  # type: ignore[attr-defined]
    reading = reading_for(
        account=account,
        guide_id=guide_id,
        language=request.reader_language,  # type: ignore[attr-defined]
    )
    guide = reading.guide
    return render(
        request,
        "eservices/h5/guide.html",
        _context(
            request,
            guide=guide,
            reading=reading,
            materials=list(guide.materials.all()),
            questions=list(guide.questions.all()),
            list_url=reverse("eservices:guides", kwargs={"account_slug": account.slug}),
        ),
    )
