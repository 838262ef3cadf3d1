"""Citizen H5 pages of policies and news: lists and pages in the reader's language (with a clear
notice when only the other version exists), a large-font mode (适老化), attachments, and read and
share counts. Public pages: a policy is for anyone, so no WeChat sign-in is forced; a follower the
session already knows is shown the version in their WeChat language."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_POST

from weizheng.wechat.models import OfficialAccount
from weizheng.wechat.oauth import citizen_openid

from .actions import do_record_read, do_record_share
from .models import Item, Kind, Validity
from .sanitize import sanitize_html
from .selectors import (
    public_attachment,
    public_cover,
    public_list,
    public_relations,
    public_topics,
    reader_language,
    reading_for,
    totals_of,
)

LARGE_FONT_COOKIE = "wz_large"
READ_COOKIE = "wz_read"
SHARE_COOKIE = "wz_shared"
# A browser that opens the same item again within this window is not counted again. The ids live
# in the browser's cookie only; nothing about the reader is stored.
COUNT_WINDOW_SECONDS = 30 * 60
MAX_REMEMBERED = 40
YEAR_SECONDS = 365 * 24 * 3600

View = Callable[..., HttpResponse]


def public_page(view: View) -> View:
    """For pages under /h5/<account_slug>/ open to anyone: 404 for an unknown account; sets
    request.account, the reader's language and the large-font preference (?large=1 / 0, kept in
    a cookie)."""

    @wraps(view)
    def wrapped(request: HttpRequest, account_slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
        account = OfficialAccount.objects.filter(slug=account_slug, is_active=True).first()
        if account is None:
            raise Http404("No such official account.")
        request.account = account  # type: ignore[attr-defined]
        request.reader_language = reader_language(  # type: ignore[attr-defined]
            account=account,
            requested=request.GET.get("lang"),
            openid=citizen_openid(request, account),
        )
        asked = request.GET.get("large")
        large = (
            asked == "1" if asked in ("0", "1") else request.COOKIES.get(LARGE_FONT_COOKIE) == "1"
        )
        request.large_font = large  # type: ignore[attr-defined]
        with translation.override(request.reader_language):  # type: ignore[attr-defined]
            response = view(request, *args, **kwargs)
        if asked in ("0", "1"):
            response.set_cookie(
                LARGE_FONT_COOKIE, asked, max_age=YEAR_SECONDS, samesite="Lax", httponly=True
            )
        return response

    return wrapped


def _remembered(request: HttpRequest, cookie: str) -> list[str]:
    return [v for v in request.COOKIES.get(cookie, "").split(".") if v.isdigit()]


def _remember(response: HttpResponse, request: HttpRequest, cookie: str, item_id: int) -> None:
    ids = [v for v in _remembered(request, cookie) if v != str(item_id)] + [str(item_id)]
    response.set_cookie(
        cookie,
        ".".join(ids[-MAX_REMEMBERED:]),
        max_age=COUNT_WINDOW_SECONDS,
        samesite="Lax",
        httponly=True,
    )


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {
        "account": request.account,  # type: ignore[attr-defined]
        "large_font": request.large_font,  # type: ignore[attr-defined]
        "reader_language": request.reader_language,  # type: ignore[attr-defined]
        **extra,
    }


def _detail(request: HttpRequest, *, kind: str, item_id: int) -> HttpResponse:
    account = request.account  # type: ignore[attr-defined]
    reading = reading_for(
        account=account, kind=kind, item_id=item_id, language=request.reader_language
    )  # type: ignore[attr-defined]
    item = reading.item
    counted = str(item.pk) in _remembered(request, READ_COOKIE)
    if not counted:
        do_record_read(item=item)
    response = render(
        request,
        "content/h5/item.html",
        _context(
            request,
            item=item,
            reading=reading,
            body_html=sanitize_html(item.body),
            relations=public_relations(item) if kind == Kind.POLICY else None,
            attachments=list(item.attachments.all()),
            totals=totals_of(item),
            list_url=reverse(
                "content:policies" if kind == Kind.POLICY else "content:news-list",
                kwargs={"account_slug": account.slug},
            ),
            share_url=reverse(
                "content:share", kwargs={"account_slug": account.slug, "item_id": item.pk}
            ),
            is_policy=kind == Kind.POLICY,
        ),
    )
    if not counted:
        _remember(response, request, READ_COOKIE, item.pk)
    return response


@public_page
def policy(request: HttpRequest, item_id: int) -> HttpResponse:
    return _detail(request, kind=Kind.POLICY, item_id=item_id)


@public_page
def news(request: HttpRequest, item_id: int) -> HttpResponse:
    return _detail(request, kind=Kind.NEWS, item_id=item_id)


@public_page
def policy_list(request: HttpRequest) -> HttpResponse:
    account = request.account  # type: ignore[attr-defined]
    validity = request.GET.get("validity", "")
    validity = validity if validity in Validity.values else ""
    topic = request.GET.get("topic", "")[:50]
    items = public_list(
        account=account,
        kind=Kind.POLICY,
        language=request.reader_language,  # type: ignore[attr-defined]
        validity=validity,
        topic=topic,
    )
    return render(
        request,
        "content/h5/list.html",
        _context(
            request,
            items=items,
            is_policy=True,
            validity=validity,
            validities=Validity.choices,
            topic=topic,
            topics=public_topics(account=account),
        ),
    )


@public_page
def news_list(request: HttpRequest) -> HttpResponse:
    items = public_list(account=request.account, kind=Kind.NEWS, language=request.reader_language)  # type: ignore[attr-defined]
    return render(request, "content/h5/list.html", _context(request, items=items, is_policy=False))


@require_POST
@public_page
def share(request: HttpRequest, item_id: int) -> HttpResponse:
    """The page's share button (CSRF-protected POST): one more share, once per browser within
    the window. Answers JSON to the page's script, a redirect to a plain form post."""
    account = request.account  # type: ignore[attr-defined]
    item = Item.objects.filter(account=account, pk=item_id, publication="published").first()
    if item is None:
        raise Http404("No such item.")
    counted = str(item.pk) in _remembered(request, SHARE_COOKIE)
    if not counted:
        do_record_share(item=item)
    path = "policy" if item.kind == Kind.POLICY else "news"
    target = reverse(f"content:{path}", kwargs={"account_slug": account.slug, "item_id": item.pk})
    if request.headers.get("Accept", "").startswith("application/json"):
        response: HttpResponse = JsonResponse(
            {"shares": totals_of(item)["shares"], "url": request.build_absolute_uri(target)}
        )
    else:
        response = HttpResponseRedirect(target)
    if not counted:
        _remember(response, request, SHARE_COOKIE, item.pk)
    return response


@public_page
def attachment(request: HttpRequest, attachment_id: int) -> HttpResponse:
    found = public_attachment(account=request.account, attachment_id=attachment_id)  # type: ignore[attr-defined]
    response = FileResponse(
        found.file.open("rb"),
        as_attachment=True,
        filename=found.name,
        content_type=found.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@public_page
def cover(request: HttpRequest, media_id: int) -> HttpResponse:
    asset = public_cover(account=request.account, media_id=media_id)  # type: ignore[attr-defined]
    response = FileResponse(asset.file.open("rb"), content_type=asset.content_type)
    response["Cache-Control"] = "public, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
