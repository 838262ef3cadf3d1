"""The back-office buttons of 三审 and publication, shared by every app whose items are reviewed
(policies and news, service guides): submit, approve (either step), return, retract, reopen.

Each step is a POST that runs one action; on success the clerk goes back to the item's page with a
message, on refusal (AppError) the item's page is shown again with the reason and the refusal's
HTTP status (403, 409 ...), nothing changed. An app describes its items with `ReviewPages` and
mounts the views `review_step_views(pages)` returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weizheng.core.errors import AppError
from weizheng.core.review import ReviewStatus
from weizheng.wechat.models import OfficialAccount

from .decorators import account_page

# (request, account, item, status=..., error=...) -> the item's page
Render = Callable[..., HttpResponse]
Step = Callable[[Any, Any], object]  # (item, actor)


@dataclass(frozen=True)
class ReviewPages:
    edit_permission: str  # submit and reopen
    retract_permission: str
    # Raises PermissionDenied when the clerk has none of the app's permissions on the account;
    # approve and return are open to every reviewer role, the action checks the step's permission.
    check_access: Callable[[HttpRequest, OfficialAccount], object]
    fetch: Callable[[OfficialAccount, int], Model]  # the access helper: 404 outside the account
    render: Render
    url: Callable[[Any], str]
    submit: Step
    approve: Callable[[Any, Any, str], object]  # (item, actor, note)
    send_back: Callable[[Any, Any, str], object]  # (item, actor, reason)
    retract: Callable[[Any, Any, str], object]  # (item, actor, reason)
    reopen: Step
    first_passed: str | Promise
    final_passed: str | Promise
    reopened: str | Promise


def act(
    request: HttpRequest,
    account: OfficialAccount,
    item: Any,
    step: Callable[[], object],
    success: str | Promise,
    *,
    render: Render,
    url: Callable[[Any], str],
) -> HttpResponse:
    """Run one action; on refusal show the item's page with the reason and the refusal's status."""
    try:
        step()
    except AppError as error:
        item.refresh_from_db()
        return render(request, account, item, status=error.status, error=error.message)
    messages.success(request, str(success))
    return redirect(url(item))


def review_step_views(pages: ReviewPages) -> dict[str, Callable[..., HttpResponse]]:
    """The five step views, keyed submit, approve, return, retract, reopen. Each takes the item's
    id as its one URL keyword argument besides account_id (item_id, guide_id ...)."""

    def _item(account: OfficialAccount, kwargs: dict[str, Any]) -> Any:
        (item_id,) = kwargs.values()
        return pages.fetch(account, int(item_id))

    def _run(request: HttpRequest, account: OfficialAccount, item: Any, step: Any, success: Any):
        return act(request, account, item, step, success, render=pages.render, url=pages.url)

    @require_POST
    @account_page(pages.edit_permission)
    def submit(request: HttpRequest, account: OfficialAccount, **kwargs: Any) -> HttpResponse:
        item = _item(account, kwargs)
        return _run(
            request,
            account,
            item,
            lambda: pages.submit(item, request.user),
            _("Submitted for the first review."),
        )

    @require_POST
    @account_page("account.view")
    def approve(request: HttpRequest, account: OfficialAccount, **kwargs: Any) -> HttpResponse:
        """Both review steps; the action checks which permission the item's step needs."""
        pages.check_access(request, account)
        item = _item(account, kwargs)
        note = request.POST.get("note", "")[:500]
        success = (
            pages.first_passed
            if item.review_status == ReviewStatus.FIRST_REVIEW
            else pages.final_passed
        )
        return _run(
            request, account, item, lambda: pages.approve(item, request.user, note), success
        )

    @require_POST
    @account_page("account.view")
    def send_back(request: HttpRequest, account: OfficialAccount, **kwargs: Any) -> HttpResponse:
        pages.check_access(request, account)
        item = _item(account, kwargs)
        reason = request.POST.get("reason", "")[:500]
        return _run(
            request,
            account,
            item,
            lambda: pages.send_back(item, request.user, reason),
            _("Returned to the author."),
        )

    @require_POST
    @account_page(pages.retract_permission)
    def retract(request: HttpRequest, account: OfficialAccount, **kwargs: Any) -> HttpResponse:
        item = _item(account, kwargs)
        reason = request.POST.get("reason", "")[:500]
        return _run(
            request,
            account,
            item,
            lambda: pages.retract(item, request.user, reason),
            _("Retracted: citizens no longer see it."),
        )

    @require_POST
    @account_page(pages.edit_permission)
    def reopen(request: HttpRequest, account: OfficialAccount, **kwargs: Any) -> HttpResponse:
        item = _item(account, kwargs)
        return _run(
            request, account, item, lambda: pages.reopen(item, request.user), pages.reopened
        )

    return {
        "submit": submit,
        "approve": approve,
        "return": send_back,
        "retract": retract,
        "reopen": reopen,
    }
