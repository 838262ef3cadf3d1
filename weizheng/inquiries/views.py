"""Citizen H5 pages of 微信问政, under /h5/<account_slug>/wenzheng/.

The form (category, description, photos, place, named or anonymous, consent to publish), the
citizen's own requests with the reply, the rating and reopening — signed in through WeChat
(`citizen_page`); the public board of answered requests (anonymised, searchable) needs no
sign-in."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from weizheng.core.errors import AppError
from weizheng.wechat.models import OfficialAccount
from weizheng.wechat.oauth import citizen_page

from . import actions, selectors
from .models import Channel, InquiryStatus, MediaKind, RatingScore

BOARD_PAGE = 20
MAX_QUERY = 50


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {
        "account": request.account,  # type: ignore[attr-defined]
        "large_font": request.COOKIES.get("wz_large") == "1",
        "reader_language": getattr(request, "LANGUAGE_CODE", "zh-hans"),
        **extra,
    }


def home(request: HttpRequest, account_slug: str) -> HttpResponse:
    return redirect(reverse("inquiries:new", kwargs={"account_slug": account_slug}))


def _form_values(request: HttpRequest) -> dict[str, Any]:
    post = request.POST
    return {
        "category": post.get("category", "")[:40],
        "description": post.get("description", "")[:5000],
        "latitude": post.get("latitude", "").strip(),
        "longitude": post.get("longitude", "").strip(),
        "address": post.get("address", "")[:300],
        "named": post.get("named") == "1",
        "contact_name": post.get("contact_name", "")[:60],
        "contact_phone": post.get("contact_phone", "")[:40],
        "consent": post.get("consent") == "1",
    }


@citizen_page
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    """The form; on success the request's page, on refusal the form with the reason."""
    account = request.account  # type: ignore[attr-defined]
    categories = list(selectors.active_categories(account=account))
    values: dict[str, Any] = {"category": request.GET.get("category", "")}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST" and request.POST.get("clear_location"):
        # 清除位置 without script: the form again, the address kept, the coordinates gone.
        values = {**_form_values(request), "latitude": "", "longitude": ""}
    elif request.method == "POST":
        values = _form_values(request)
        try:
            media = [
                actions.check_media(
                    kind=MediaKind.IMAGE, data=upload.read(actions.MAX_MEDIA_BYTES + 1)
                )
                for upload in request.FILES.getlist("photos")[: actions.MAX_MEDIA + 1]
            ]
            inquiry = actions.check_submit_inquiry(
                account=account,
                category_code=values["category"],
                description=values["description"],
                channel=Channel.H5,
                openid=request.citizen_openid,  # type: ignore[attr-defined]
                latitude=values["latitude"] or None,
                longitude=values["longitude"] or None,
                address=values["address"],
                is_anonymous=not values["named"],
                contact_name=values["contact_name"],
                contact_phone=values["contact_phone"],
                consent_publish=values["consent"],
                media=media,
            )
        except AppError as refused:
            field = str(refused.extra.get("field") or "form")
            errors[field] = refused.message
            status = refused.status
            if field == "location" and values["latitude"]:
                # A refused position must not stick to the form: the address can be used then.
                values["latitude"] = values["longitude"] = ""
                errors["location"] = " ".join(
                    (
                        refused.message,
                        _("The location was removed from the form; write the address instead."),
                    )
                )
        else:
            messages.success(
                request,
                _("Your request was received. Its number is %(number)s.")
                % {"number": inquiry.public_id},
            )
            return redirect(
                reverse(
                    "inquiries:detail",
                    kwargs={"account_slug": account.slug, "public_id": inquiry.public_id},
                )
            )
    from weizheng.identity.selectors import active_binding

    return render(
        request,
        "inquiries/h5/new.html",
        _context(
            request,
            categories=categories,
            values=values,
            errors=errors,
            is_bound=active_binding(account=account, openid=request.citizen_openid) is not None,  # type: ignore[attr-defined]
            max_length=actions.MAX_DESCRIPTION,
        ),
        status=status,
    )


@citizen_page
def mine(request: HttpRequest) -> HttpResponse:
    account = request.account  # type: ignore[attr-defined]
    return render(
        request,
        "inquiries/h5/mine.html",
        _context(
            request,
            inquiries=selectors.citizen_inquiries(
                account=account,
                openid=request.citizen_openid,  # type: ignore[attr-defined]
            )[:50],
        ),
    )


@citizen_page
def detail(request: HttpRequest, public_id: str) -> HttpResponse:
    account = request.account  # type: ignore[attr-defined]
    inquiry = selectors.citizen_inquiry(
        account=account,
        openid=request.citizen_openid,  # type: ignore[attr-defined]
        public_id=public_id,
    )
    rating = inquiry.ratings.filter(round=inquiry.reopen_count).first()
    note = selectors.status_note(inquiry)
    if inquiry.reply and inquiry.reply.startswith(note):
        note = ""  # the reply itself is shown below: not twice
    return render(
        request,
        "inquiries/h5/detail.html",
        _context(
            request,
            inquiry=inquiry,
            events=[e for e in inquiry.events.all() if e.kind in CITIZEN_EVENTS],
            rating=rating,
            can_rate=inquiry.status == InquiryStatus.REPLIED and rating is None,
            can_reopen=actions.may_reopen(inquiry),
            scores=RatingScore.choices,
            note=note,
            replied_at=selectors.reply_rounds(inquiry)["last_at"] if inquiry.reply else None,
        ),
    )


CITIZEN_EVENTS = {
    "submitted",
    "signed",
    "started",
    "replied",
    "rated",
    "closed",
    "transferred",
    "reopened",
    "extension_approved",
}


def _back_to(request: HttpRequest, inquiry: Any) -> HttpResponse:
    return redirect(
        reverse(
            "inquiries:detail",
            kwargs={"account_slug": request.account.slug, "public_id": inquiry.public_id},  # type: ignore[attr-defined]
        )
    )


@citizen_page
@require_POST
def rate(request: HttpRequest, public_id: str) -> HttpResponse:
    inquiry = _own_or_any(request, public_id)
    try:
        actions.check_rate(
            inquiry=inquiry,
            openid=request.citizen_openid,  # type: ignore[attr-defined]
            score=request.POST.get("score"),
            is_resolved=request.POST.get("resolved", ""),
            comment=request.POST.get("comment", "")[:400],
        )
    except AppError as refused:
        if refused.status == 403:
            return HttpResponse(
                refused.message, status=403, content_type="text/plain; charset=utf-8"
            )
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Thank you for your rating."))
    return _back_to(request, inquiry)


@citizen_page
@require_POST
def reopen(request: HttpRequest, public_id: str) -> HttpResponse:
    inquiry = _own_or_any(request, public_id)
    try:
        actions.check_reopen(
            inquiry=inquiry,
            openid=request.citizen_openid,  # type: ignore[attr-defined]
            reason=request.POST.get("reason", "")[:600],
        )
    except AppError as refused:
        if refused.status == 403:
            return HttpResponse(
                refused.message, status=403, content_type="text/plain; charset=utf-8"
            )
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Your request went back to the department."))
    return _back_to(request, inquiry)


def _own_or_any(request: HttpRequest, public_id: str) -> Any:
    """The request by number on this account: the action refuses anyone but the submitter
    with the reason (a 403 that names it), so a forwarded link explains itself."""
    from .models import Inquiry

    found = Inquiry.objects.filter(
        account=request.account,  # type: ignore[attr-defined]
        public_id=str(public_id)[:20],
    ).first()
    if found is None:
        raise Http404("No such request.")
    return found


# --- the public board -------------------------------------------------------------------------
def _public_account(account_slug: str) -> OfficialAccount:
    account = OfficialAccount.objects.filter(slug=account_slug, is_active=True).first()
    if account is None:
        raise Http404("No such official account.")
    return account


def board(request: HttpRequest, account_slug: str) -> HttpResponse:
    """Answered requests published with consent, newest first, or those matching ?q= (every
    word, jieba-cut, in the description or the reply)."""
    account = _public_account(account_slug)
    request.account = account  # type: ignore[attr-defined]
    query = " ".join(request.GET.get("q", "").split())[:MAX_QUERY]
    items = selectors.board(account=account)
    category = request.GET.get("category", "")[:40]
    if category:
        items = items.filter(category__code=category)
    if query:
        items = selectors.search_board(items, query)
    rows = [
        {"inquiry": item, "text": selectors.public_description(item)} for item in items[:BOARD_PAGE]
    ]
    return render(
        request,
        "inquiries/h5/board.html",
        _context(
            request,
            rows=rows,
            query=query,
            category=category,
            categories=selectors.active_categories(account=account),
        ),
    )


def board_item(request: HttpRequest, account_slug: str, public_id: str) -> HttpResponse:
    account = _public_account(account_slug)
    request.account = account  # type: ignore[attr-defined]
    inquiry = selectors.board_inquiry(account=account, public_id=public_id)
    return render(
        request,
        "inquiries/h5/board_item.html",
        _context(
            request,
            inquiry=inquiry,
            text=selectors.public_description(inquiry),
            address=selectors.mask_text(inquiry.address),
            reply=selectors.mask_text(inquiry.reply),
            rating=inquiry.ratings.order_by("-round").first(),
        ),
    )
