"""Back-office pages of the broadcasts app: the list with the lane's state, the composer, a
broadcast's page (audience and quota, review, preview, progress, results, cancel, delete) and its
progress as JSON. Each view checks its input and calls one action."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weizheng.core.errors import AppError
from weizheng.core.review import ReviewStatus
from weizheng.staff.decorators import account_page
from weizheng.staff.selectors import can
from weizheng.wechat.models import OfficialAccount

from . import actions, selectors
from .forms import BroadcastForm, initial_from
from .models import Broadcast, SendState

ANY_BROADCAST_PERMISSION = ("broadcasts.edit", "broadcasts.review", "broadcasts.approve")
# Refusals answered with their own status on the re-rendered page (a permission refusal, a state
# conflict); other refusals (what the form or the broadcast lacks) go back to the page as before.
REFUSAL_STATUSES = (403, 409)


def _require_any(
    request: HttpRequest, account: OfficialAccount, permissions: tuple[str, ...]
) -> None:
    if not any(can(request.user, p, account) for p in permissions):
        raise PermissionDenied(_("Your roles do not allow this on this account."))


def _detail_url(account: OfficialAccount, broadcast: Broadcast) -> str:
    return reverse(
        "office-broadcasts:detail", kwargs={"account_id": account.pk, "broadcast_id": broadcast.pk}
    )


def _show(request: HttpRequest, error: AppError) -> None:
    problems = error.extra.get("problems")
    if problems:
        for problem in problems:
            messages.error(request, problem["message"])
    else:
        messages.error(request, error.message)


def _permissions(request: HttpRequest, account: OfficialAccount) -> dict[str, bool]:
    return {
        "can_edit": can(request.user, "broadcasts.edit", account),
        "can_review": can(request.user, "broadcasts.review", account),
        "can_approve": can(request.user, "broadcasts.approve", account),
    }


@account_page("account.view")
def index(request: HttpRequest, account: OfficialAccount) -> HttpResponse:
    """The account's broadcasts, newest first, and the lane's state."""
    _require_any(request, account, ANY_BROADCAST_PERMISSION)
    return render(
        request,
        "broadcasts/index.html",
        {
            "account": account,
            "broadcasts": selectors.broadcasts_of(account=account)[:200],
            "lane": selectors.lane_of(account=account),
            **_permissions(request, account),
        },
    )


def _compose(
    request: HttpRequest, account: OfficialAccount, broadcast: Broadcast | None
) -> HttpResponse:
    if request.method == "POST":
        form = BroadcastForm(request.POST, request.FILES, account=account)
        status = 200
        if form.is_valid():
            try:
                saved = actions.check_save_broadcast(
                    account=account,
                    data=form.data_for_action(),
                    actor=request.user,
                    broadcast=broadcast,
                )
                raw = form.uploaded_text()
                if raw is not None:
                    report = actions.check_upload_openids(
                        broadcast=saved, raw=raw, actor=request.user
                    )
                    messages.info(
                        request,
                        _(
                            "OpenID list: %(matched)d of %(given)d are following; %(unknown)d "
                            "unknown, %(unsubscribed)d no longer following (left out)."
                        )
                        % {
                            "matched": report["matched"],
                            "given": report["given"],
                            "unknown": report["unknown_count"],
                            "unsubscribed": report["unsubscribed_count"],
                        },
                    )
                elif request.POST.get("clear_list") and saved.has_openid_list:
                    actions.do_clear_openid_list(broadcast=saved, actor=request.user)
            except AppError as error:
                for problem in error.extra.get("problems") or []:
                    field = problem["field"] if problem["field"] in form.fields else None
                    form.add_error(field, problem["message"])
                if not error.extra.get("problems"):
                    form.add_error(None, error.message)
                if error.status in REFUSAL_STATUSES:
                    status = error.status
            else:
                messages.success(
                    request, _("The draft “%(title)s” is saved.") % {"title": saved.title}
                )
                return redirect(_detail_url(account, saved))
    else:
        initial = (
            initial_from(broadcast)
            if broadcast
            else {"audience_kind": "all", "message_type": "text"}
        )
        form = BroadcastForm(initial=initial, account=account)
        status = 200
    return render(
        request,
        "broadcasts/compose.html",
        {
            "account": account,
            "form": form,
            "broadcast": broadcast,
            "library": selectors.library_for_picker(account=account),
            "articles": selectors.articles_for_picker(account=account),
            "picked_asset": form.picked_asset_id(),
            "picked_articles": form.picked_article_ids(),
        },
        status=status,
    )


@account_page("account.view")
def library_file(request: HttpRequest, account: OfficialAccount, media_id: int) -> HttpResponse:
    """A file of the account's library, for the picker's thumbnails and the broadcast page."""
    _require_any(request, account, ANY_BROADCAST_PERMISSION)
    asset = selectors.access_library_file(account=account, media_id=media_id)
    response = FileResponse(asset.file.open("rb"), content_type=asset.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@account_page("broadcasts.edit")
def new(request: HttpRequest, account: OfficialAccount) -> HttpResponse:
    """The composer for a new draft."""
    return _compose(request, account, None)


@account_page("broadcasts.edit")
def edit(request: HttpRequest, account: OfficialAccount, broadcast_id: int) -> HttpResponse:
    """The composer for a draft or a broadcast returned for changes."""
    broadcast = selectors.access_broadcast(account=account, broadcast_id=broadcast_id)
    if not broadcast.is_editable:
        messages.error(
            request, _("Only a draft or a broadcast returned for changes can be edited.")
        )
        return redirect(_detail_url(account, broadcast))
    return _compose(request, account, broadcast)


@account_page("account.view")
def detail(request: HttpRequest, account: OfficialAccount, broadcast_id: int) -> HttpResponse:
    """A broadcast: message, audience with the month's quota, review, preview, progress."""
    _require_any(request, account, ANY_BROADCAST_PERMISSION)
    broadcast = selectors.access_broadcast(account=account, broadcast_id=broadcast_id)
    return _detail(request, account, broadcast)


def _detail(
    request: HttpRequest, account: OfficialAccount, broadcast: Broadcast, status: int = 200
) -> HttpResponse:
    is_waiting = broadcast.state in (SendState.WAITING, SendState.SCHEDULED)
    context: dict[str, Any] = {
        "account": account,
        "broadcast": broadcast,
        "tags": list(broadcast.tags.all()),
        "articles": actions.picked_articles(broadcast),
        "lane": selectors.lane_of(account=account),
        "summary": selectors.audience_summary(broadcast) if is_waiting else None,
        "problems": actions.ready_problems(broadcast) if is_waiting else [],
        "progress": selectors.progress(broadcast),
        "limit": selectors.MASS_PER_FOLLOWER_PER_MONTH,
        "is_cancellable": broadcast.state in selectors.CANCELLABLE_STATES,
        "is_deletable": broadcast.state in (SendState.SENT, SendState.FAILED, SendState.CANCELLED)
        and broadcast.chunks.filter(state="sent").exclude(msg_id="").exists(),
        "ReviewStatus": ReviewStatus,
        "offer": selectors.review_offer(broadcast, request.user),
        **_permissions(request, account),
    }
    return render(request, "broadcasts/detail.html", context, status=status)


@account_page("account.view")
def progress(request: HttpRequest, account: OfficialAccount, broadcast_id: int) -> JsonResponse:
    """The progress bar's numbers."""
    _require_any(request, account, ANY_BROADCAST_PERMISSION)
    broadcast = selectors.access_broadcast(account=account, broadcast_id=broadcast_id)
    return JsonResponse(selectors.progress(broadcast), json_dumps_params={"ensure_ascii": False})


def _step(
    request: HttpRequest, account: OfficialAccount, broadcast_id: int, step, success: str
) -> HttpResponse:
    broadcast = selectors.access_broadcast(account=account, broadcast_id=broadcast_id)
    try:
        step(broadcast)
    except AppError as error:
        _show(request, error)
        if error.status in REFUSAL_STATUSES:
            # A state conflict or a permission refusal keeps its status, as the content app's.
            broadcast.refresh_from_db()
            return _detail(request, account, broadcast, status=error.status)
    else:
        messages.success(request, success)
    return redirect(_detail_url(account, broadcast))


@require_POST
@account_page("broadcasts.edit")
def submit(request: HttpRequest, account: OfficialAccount, broadcast_id: int) -> HttpResponse:
    return _step(
        request,
        account,
        broadcast_id,
        lambda b: actions.check_submit(broadcast=b, actor=request.user),
        _("The broadcast is handed to the first review."),
    )


@require_POST
@account_page("account.view")
def approve(request: HttpRequest, account: OfficialAccount, broadcast_id: int) -> HttpResponse:
    """First or final approval (the review checks the permission of the step)."""
    return _step(
        request,
        account,
        broadcast_id,
        lambda b: actions.check_approve_broadcast(
            broadcast=b, actor=request.user, note=request.POST.get("note", "")
        ),
        _("Approved."),
    )


@require_POST
@account_page("account.view")
def send_back(request: HttpRequest, account: OfficialAccount, broadcast_id: int) -> HttpResponse:
    return _step(
        request,
        account,
        broadcast_id,
        lambda b: actions.check_return_broadcast(
            broadcast=b, actor=request.user, reason=request.POST.get("reason", "")
        ),
        _("The broadcast is returned to its author."),
    )


@require_POST
@account_page("broadcasts.edit")
def preview(request: HttpRequest, account: OfficialAccount, broadcast_id: int) -> HttpResponse:
    """Send the broadcast to one phone."""
    return _step(
        request,
        account,
        broadcast_id,
        lambda b: actions.check_preview(
            broadcast=b,
            actor=request.user,
            openid=request.POST.get("openid", ""),
            wechat_id=request.POST.get("wechat_id", ""),
        ),
        _("The preview is on its way to that phone."),
    )


@require_POST
@account_page("account.view")
def cancel(request: HttpRequest, account: OfficialAccount, broadcast_id: int) -> HttpResponse:
    _require_any(request, account, ("broadcasts.edit", "broadcasts.approve"))
    return _step(
        request,
        account,
        broadcast_id,
        lambda b: actions.do_cancel_broadcast(broadcast=b, actor=request.user),
        _("The broadcast is cancelled; nothing more of it will be sent."),
    )


@require_POST
@account_page("broadcasts.approve")
def delete(request: HttpRequest, account: OfficialAccount, broadcast_id: int) -> HttpResponse:
    return _step(
        request,
        account,
        broadcast_id,
        lambda b: actions.check_delete_broadcast(broadcast=b, actor=request.user),
        _("The broadcast is deleted on WeChat: its article pages no longer open."),
    )


@require_POST
@account_page("broadcasts.approve")
def resume(request: HttpRequest, account: OfficialAccount) -> HttpResponse:
    """Resume the paused lane."""
    count = actions.do_resume_lane(account=account, actor=request.user)
    messages.success(
        request,
        _("Sending resumed: %(count)d broadcast(s) start again.") % {"count": count},
    )
    return redirect(reverse("office-broadcasts:index", kwargs={"account_id": account.pk}))
