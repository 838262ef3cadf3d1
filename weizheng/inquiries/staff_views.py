"""Back-office pages of 微信问政, under /office/accounts/<account_id>/inquiries/.

The queue is the requests the staff member works (docs/adr/0007): their departments' requests,
whatever account they were asked on, and every request of the accounts they supervise. A
request's page is reached from any account page the user may open, and checked on the request
itself (`selectors.access_inquiry`: 404 for anyone else). Each POST calls one action; refusals
keep their status (403 for a step the roles do not allow, 409 for a step taken meanwhile)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weizheng.core.errors import AppError
from weizheng.core.http import client_ip
from weizheng.staff.decorators import account_page
from weizheng.staff.models import Department
from weizheng.staff.selectors import permissions_on
from weizheng.wechat.models import OfficialAccount

from . import actions, selectors
from .models import (
    Category,
    Classifier,
    ExtensionRequest,
    ExtensionStatus,
    InquirySettings,
    InquiryStatus,
)

QUEUE_PERMISSIONS = ("cases.handle", "inquiries.supervise")
FIGURE_PERMISSIONS = ("cases.handle", "inquiries.supervise", "analytics.view")


def _require_any(request: HttpRequest, account: OfficialAccount, wanted: tuple[str, ...]) -> None:
    if not set(wanted) & permissions_on(request.user, account):
        raise PermissionDenied("Your roles give no access to 问政 on this account.")


def _detail_url(account: OfficialAccount, inquiry_id: int) -> str:
    return reverse(
        "office-inquiries:detail", kwargs={"account_id": account.pk, "inquiry_id": inquiry_id}
    )


@account_page("account.view")
def index(request: HttpRequest, account: OfficialAccount) -> HttpResponse:
    """The queue: open requests by deadline (filters: status, overdue), and the extension
    requests waiting for a supervisor."""
    _require_any(request, account, QUEUE_PERMISSIONS)
    status = request.GET.get("status", "open")
    is_overdue = request.GET.get("overdue") == "1"
    queue = selectors.queue_for(
        request.user, status="" if status == "all" else status, overdue=is_overdue
    )
    page = Paginator(queue, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "inquiries/office/index.html",
        {
            "account": account,
            "page": page,
            "rows": [(i, selectors.is_overdue(i)) for i in page.object_list],
            "status": status,
            "overdue": is_overdue,
            "statuses": InquiryStatus.choices,
            "extensions": list(selectors.pending_extensions(request.user)[:50]),
        },
    )


def _render_detail(
    request: HttpRequest,
    account: OfficialAccount,
    inquiry: Any,
    status: int = 200,
    revealed: dict[str, str] | None = None,
) -> HttpResponse:
    from weizheng.core.masking import mask_name, mask_phone

    inquiry.refresh_from_db()
    ratings = list(inquiry.ratings.all())
    actions.do_audit_inquiry_read(
        inquiry=inquiry, actor=request.user, ip_address=client_ip(request)
    )
    steps = [
        to
        for (frm, to), kind in actions.TRANSITIONS.items()
        if frm == inquiry.status and kind in ("signed", "started", "replied")
    ]
    is_supervisor = selectors.may_supervise(request.user, inquiry)
    can_extend = inquiry.status in (InquiryStatus.SIGNED, InquiryStatus.IN_PROGRESS)
    can_close = inquiry.status in (InquiryStatus.REPLIED, InquiryStatus.RATED)
    has_steps = bool(steps or can_extend or (is_supervisor and (inquiry.is_open or can_close)))
    response = render(
        request,
        "inquiries/office/detail.html",
        {
            "account": account,
            "inquiry": inquiry,
            "steps": steps,
            "is_supervisor": is_supervisor,
            "has_steps": has_steps,
            "is_overdue": selectors.is_overdue(inquiry),
            "rounds": selectors.reply_rounds(inquiry),
            "contact_name": (revealed["name"] if revealed else mask_name(inquiry.contact_name)),
            "contact_phone": (revealed["phone"] if revealed else mask_phone(inquiry.contact_phone)),
            "revealed": bool(revealed),
            "media": list(inquiry.media.all()),
            "events": _events_with_ratings(inquiry, ratings),
            "ratings": ratings,
            "extensions": list(inquiry.extensions.select_related("requested_by")),
            "departments": Department.objects.exclude(pk=inquiry.department_id),
            "similar": list(inquiry.similar.all()[:10]),
            "can_extend": can_extend,
            "can_close": can_close,
            "can_transfer": inquiry.is_open,
        },
        status=status,
    )
    if revealed:
        response["Cache-Control"] = "no-store"
    return response


def _events_with_ratings(inquiry: Any, ratings: list[Any]) -> list[Any]:
    """The history, each 评价 step carrying its rating (the n-th rating step is round n), so it
    reads as the rating does everywhere: 满意 · 已解决."""
    by_round = {rating.round: rating for rating in ratings}
    events = list(inquiry.events.select_related("actor", "to_department"))
    rated = 0
    for event in events:
        event.rating = None
        if event.kind == "rated":
            event.rating = by_round.get(rated)
            rated += 1
    return events


@account_page("account.view")
def detail(request: HttpRequest, account: OfficialAccount, inquiry_id: int) -> HttpResponse:
    """One request: the clock, the steps the user may take, the suggestion for 其他, the
    similar requests, contact details (masked, the look audited), attachments, history."""
    inquiry = selectors.access_inquiry(request.user, inquiry_id)
    return _render_detail(request, account, inquiry)


@account_page("account.view")
@require_POST
def reveal_contact(request: HttpRequest, account: OfficialAccount, inquiry_id: int) -> HttpResponse:
    """显示联系方式: the request's page with the full name and phone, this once (audited); a GET
    never shows them."""
    inquiry = selectors.access_inquiry(request.user, inquiry_id)
    try:
        revealed = actions.check_reveal_contact(
            inquiry=inquiry, actor=request.user, ip_address=client_ip(request)
        )
    except AppError as refused:
        messages.error(request, refused.message)
        return _render_detail(request, account, inquiry, status=refused.status)
    return _render_detail(request, account, inquiry, revealed=revealed)


@account_page("account.view")
@require_POST
def step(request: HttpRequest, account: OfficialAccount, inquiry_id: int) -> HttpResponse:
    """One step on a request: sign, start, reply, transfer, extend, close, reopen."""
    inquiry = selectors.access_inquiry(request.user, inquiry_id)
    post = request.POST
    action = post.get("action", "")
    seen = post.get("seen", "")
    user = request.user
    try:
        if action == "sign":
            actions.check_sign(inquiry=inquiry, actor=user, seen_status=seen)
        elif action == "start":
            actions.check_start(
                inquiry=inquiry, actor=user, note=post.get("note", ""), seen_status=seen
            )
        elif action == "reply":
            actions.check_reply(
                inquiry=inquiry, actor=user, reply=post.get("reply", ""), seen_status=seen
            )
        elif action == "transfer":
            department = Department.objects.filter(pk=post.get("department") or 0).first()
            actions.check_transfer(
                inquiry=inquiry,
                actor=user,
                department=department,
                reason=post.get("reason", ""),
                seen_status=seen,
            )
        elif action == "extend":
            actions.check_request_extension(
                inquiry=inquiry,
                actor=user,
                workdays=post.get("workdays"),
                reason=post.get("reason", ""),
            )
        elif action == "close":
            actions.check_close(inquiry=inquiry, actor=user, note=post.get("note", ""))
        elif action == "reopen":
            actions.check_reopen(inquiry=inquiry, actor=user, reason=post.get("reason", ""))
        elif action in ("hide", "show"):
            actions.check_set_hidden(inquiry=inquiry, actor=user, hidden=action == "hide")
        else:
            raise AppError("bad_action", _("Unknown step."))
    except AppError as refused:
        messages.error(request, refused.message)
        return _render_detail(request, account, inquiry, status=refused.status)
    messages.success(request, _("Done."))
    if action == "transfer" and not selectors.may_handle(user, inquiry):
        return redirect(reverse("office-inquiries:index", kwargs={"account_id": account.pk}))
    return redirect(_detail_url(account, inquiry.pk))


@account_page("account.view")
@require_POST
def decide_extension(
    request: HttpRequest, account: OfficialAccount, extension_id: int
) -> HttpResponse:
    extension = (
        ExtensionRequest.objects.select_related("inquiry", "inquiry__account")
        .filter(pk=extension_id, status=ExtensionStatus.PENDING)
        .first()
    )
    if extension is None or not selectors.may_supervise(request.user, extension.inquiry):
        raise Http404("No such extension request.")
    try:
        actions.check_decide_extension(
            extension=extension,
            actor=request.user,
            approve=request.POST.get("decision") == "approve",
            note=request.POST.get("note", ""),
        )
    except AppError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Done."))
    return redirect(_detail_url(account, extension.inquiry_id))


@account_page("account.view")
def media_file(
    request: HttpRequest, account: OfficialAccount, inquiry_id: int, media_id: int
) -> HttpResponse:
    """An attached photo or recording, after the access check; audited."""
    from pathlib import Path

    from django.conf import settings
    from django.http import FileResponse

    inquiry = selectors.access_inquiry(request.user, inquiry_id)
    item = inquiry.media.filter(pk=media_id).exclude(path="").first()
    if item is None or ".." in Path(item.path).parts:
        raise Http404("No such file.")
    actions.do_audit_inquiry_read(
        inquiry=inquiry, actor=request.user, what="media", ip_address=client_ip(request)
    )
    handle = open(Path(settings.MEDIA_ROOT) / item.path, "rb")  # noqa: SIM115 - FileResponse closes it
    return FileResponse(handle, content_type=item.content_type)


@account_page("account.view")
def figures(request: HttpRequest, account: OfficialAccount) -> HttpResponse:
    """Response, on-time, resolution and satisfaction rates per department and month; the
    overdue list."""
    _require_any(request, account, FIGURE_PERMISSIONS)
    requests = selectors.visible_inquiries(request.user)
    rows = selectors.figures(requests)
    months = sorted({r["month"] for r in rows})[-12:]
    departments = sorted({r["department"] for r in rows})
    by_key = {(r["month"], r["department"]): r for r in rows}
    chart = {
        "months": months,
        "series": [
            {
                "name": name,
                "response": [by_key.get((m, name), {}).get("response_rate") for m in months],
                "satisfaction": [
                    by_key.get((m, name), {}).get("satisfaction_rate") for m in months
                ],
            }
            for name in departments
        ],
        "labels": {
            "response": _("Response rate (%)"),
            "satisfaction": _("Satisfaction rate (%)"),
        },
    }
    return render(
        request,
        "inquiries/office/figures.html",
        {
            "account": account,
            "rows": rows,
            "overdue": list(selectors.overdue(requests)[:100]),
            "chart": chart,
        },
    )


@account_page("inquiries.configure")
def settings_page(request: HttpRequest, account: OfficialAccount) -> HttpResponse:
    """Categories (routing rule and time limits), the jurisdiction and duplicate settings, the
    classifier (retrain as a task)."""
    if request.method == "POST":
        form = request.POST.get("form", "")
        try:
            if form == "category":
                category = None
                if request.POST.get("category_id"):
                    category = Category.objects.filter(
                        account=account, pk=request.POST["category_id"]
                    ).first()
                    if category is None:
                        raise Http404("No such category.")
                actions.check_save_category(
                    account=account,
                    actor=request.user,
                    category=category,
                    code=request.POST.get("code", ""),
                    name=request.POST.get("name", ""),
                    description=request.POST.get("description", ""),
                    department=Department.objects.filter(
                        pk=request.POST.get("department") or 0
                    ).first(),
                    sign_workdays=request.POST.get("sign_workdays"),
                    reply_workdays=request.POST.get("reply_workdays"),
                    is_urgent=request.POST.get("is_urgent") == "1",
                    is_other=request.POST.get("is_other") == "1",
                    is_active=request.POST.get("is_active", "1") == "1",
                )
            elif form == "settings":
                actions.check_save_settings(
                    account=account, actor=request.user, values=request.POST.dict()
                )
            elif form == "retrain":
                from .tasks import retrain_classifier

                retrain_classifier.enqueue(account_id=account.pk, actor_id=request.user.pk)
                messages.success(request, _("The classifier is being retrained."))
                return redirect(request.path)
            else:
                raise AppError("bad_form", _("Unknown form."))
        except AppError as refused:
            messages.error(request, refused.message)
            return render(
                request, "inquiries/office/settings.html", _settings_context(account), status=400
            )
        messages.success(request, _("Saved."))
        return redirect(request.path)
    return render(request, "inquiries/office/settings.html", _settings_context(account))


def _settings_context(account: OfficialAccount) -> dict[str, Any]:
    return {
        "account": account,
        "categories": list(Category.objects.filter(account=account).select_related("department")),
        "departments": list(Department.objects.all()),
        "config": InquirySettings.objects.filter(account=account).first()
        or InquirySettings(account=account),
        "classifier": Classifier.objects.filter(account=account).first(),
        "min_training": actions.MIN_TRAINING,
    }
