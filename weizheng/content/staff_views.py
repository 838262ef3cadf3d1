"""Back-office pages of policies and news: the list with the review queues, the editor, an item's
page (review, schedule, retraction, attachments, links, translations), the import and the media
library. Each view parses its input and calls one action; refusals keep their HTTP status
(403 for a step the roles do not allow, 409 for a step already taken by someone else)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from weizheng.core.errors import AppError
from weizheng.core.review import ReviewStatus
from weizheng.staff.decorators import account_page
from weizheng.staff.review_views import ReviewPages, act, review_step_views
from weizheng.staff.selectors import permissions_on
from weizheng.wechat.models import OfficialAccount

from . import actions, importer
from .forms import ImportForm, ItemForm, MediaForm, ReasonForm, RelationForm
from .models import Item, Kind, Language, MediaKind, Publication, RelationKind
from .rules import MEDIA_RULES
from .sanitize import sanitize_html
from .selectors import (
    access_attachment,
    access_item,
    access_media,
    access_relation,
    is_stale,
    items_of,
    last_published_at,
    media_of,
    relations_of,
    review_queue,
    totals_of,
    versions_of,
)

CONTENT_PERMISSIONS = ("content.edit", "content.review", "content.approve")
MAX_UPLOAD_BYTES = 25 * 1024 * 1024


def _permissions(request: HttpRequest, account: OfficialAccount) -> frozenset[str]:
    held = permissions_on(request.user, account)
    if not any(p in held for p in CONTENT_PERMISSIONS):
        raise PermissionDenied("Your roles give no access to policies and news on this account.")
    return held


def _item_url(item: Item) -> str:
    return reverse(
        "office-content:item", kwargs={"account_id": item.account_id, "item_id": item.pk}
    )


def _index_url(account: OfficialAccount) -> str:
    return reverse("office-content:index", kwargs={"account_id": account.pk})


@account_page("account.view")
def index(request: HttpRequest, account: OfficialAccount) -> HttpResponse:
    """Items of the account with filters, and the review queues of the user's roles."""
    held = _permissions(request, account)
    filters = {
        "kind": request.GET.get("kind", ""),
        "language": request.GET.get("language", ""),
        "review": request.GET.get("review", ""),
        "publication": request.GET.get("publication", ""),
        "query": request.GET.get("q", "").strip()[:100],
    }
    queues = review_queue(account=account, user=request.user, permissions=held)
    queue = request.GET.get("queue", "")
    items = queues[queue] if queue in queues else items_of(account=account, **filters)
    page = Paginator(items, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "content/office/index.html",
        {
            "account": account,
            "page": page,
            "filters": filters,
            "queue": queue,
            "queues": {name: q.count() for name, q in queues.items()},
            "can_edit": "content.edit" in held,
            "can_import": "content.edit" in held,
            "is_stale": is_stale(account=account),
            "last_published_at": last_published_at(account=account),
            "kinds": Kind.choices,
            "languages": Language.choices,
            "review_statuses": ReviewStatus.choices,
            "publications": Publication.choices,
        },
    )


def _editor(
    request: HttpRequest,
    account: OfficialAccount,
    form: ItemForm,
    item: Item | None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "content/office/editor.html",
        {
            "account": account,
            "form": form,
            "item": item,
            "kind": form.kind,
            "is_policy": form.kind == Kind.POLICY,
        },
        status=status,
    )


@account_page("content.edit")
def item_new(request: HttpRequest, account: OfficialAccount) -> HttpResponse:
    kind = request.GET.get("kind", Kind.POLICY)
    if kind not in Kind.values:
        kind = Kind.POLICY
    if request.method == "POST":
        form = ItemForm(request.POST, account=account, kind=kind)
        if form.is_valid():
            try:
                item = actions.check_save_item(
                    account=account,
                    actor=request.user,
                    data={"kind": kind, **form.data_for_action()},
                )
            except AppError as error:
                form.add_refusal(error)
            else:
                messages.success(
                    request, _("The draft “%(title)s” is saved.") % {"title": item.title}
                )
                return redirect(_item_url(item))
    else:
        form = ItemForm(account=account, kind=kind, initial={"language": account.default_language})
    return _editor(request, account, form, None, status=400 if form.is_bound else 200)


@account_page("content.edit")
def item_edit(request: HttpRequest, account: OfficialAccount, item_id: int) -> HttpResponse:
    item = access_item(account=account, item_id=item_id)
    if not item.is_editable:
        messages.error(request, _("Only a draft or a returned item can be changed."))
        return redirect(_item_url(item))
    if request.method == "POST":
        form = ItemForm(request.POST, account=account, kind=item.kind)
        if form.is_valid():
            try:
                actions.check_save_item(
                    account=account, actor=request.user, data=form.data_for_action(), item=item
                )
            except AppError as error:
                form.add_refusal(error)
            else:
                messages.success(
                    request, _("The draft “%(title)s” is saved.") % {"title": item.title}
                )
                return redirect(_item_url(item))
        return _editor(request, account, form, item, status=400)
    initial = {name: getattr(item, name) for name in ItemForm.base_fields if hasattr(item, name)}
    initial["scheduled_at"] = item.scheduled_at
    form = ItemForm(account=account, kind=item.kind, initial=initial)
    return _editor(request, account, form, item)


def _detail(
    request: HttpRequest,
    account: OfficialAccount,
    item: Item,
    *,
    status: int = 200,
    error: str = "",
) -> HttpResponse:
    held = _permissions(request, account)
    if error:
        messages.error(request, error)
    versions = versions_of(item)
    candidates = (
        Item.objects.filter(account=account, kind=Kind.POLICY)
        .exclude(pk=item.pk)
        .order_by("-pk")[:200]
        if item.kind == Kind.POLICY
        else []
    )
    pairable = (
        Item.objects.filter(account=account, kind=item.kind)
        .exclude(language=item.language)
        .exclude(group=item.group)
        .order_by("-pk")[:100]
        if len(versions) == 1
        else []
    )
    from weizheng.core.models import AuditLog

    history = (
        AuditLog.objects.filter(target_type="content.item", target_id=str(item.pk))
        .select_related("actor")
        .order_by("created_at", "pk")
    )
    user_id = request.user.pk
    return render(
        request,
        "content/office/item.html",
        {
            "account": account,
            "item": item,
            "body_html": sanitize_html(item.body),
            "versions": versions,
            "relations": relations_of(item),
            "relation_kinds": RelationKind.choices,
            "candidates": candidates,
            "pairable": pairable,
            "attachments": list(item.attachments.all()),
            "history": history,
            "totals": totals_of(item),
            "can_edit": "content.edit" in held and item.is_editable,
            "can_submit": "content.edit" in held and item.is_editable,
            "can_first_review": "content.review" in held
            and item.review_status == ReviewStatus.FIRST_REVIEW
            and item.author_id != user_id,
            "can_final_review": "content.approve" in held
            and item.review_status == ReviewStatus.FINAL_REVIEW
            and item.author_id != user_id
            and item.first_reviewer_id != user_id,
            "can_retract": "content.approve" in held
            and item.publication in (Publication.PUBLISHED, Publication.SCHEDULED),
            "can_reopen": "content.edit" in held and item.publication == Publication.RETRACTED,
            "can_translate": "content.edit" in held,
            "is_own": item.author_id == user_id,
            "reason_form": ReasonForm(),
            "relation_form": RelationForm(),
            "public_url": _public_url(item),
        },
        status=status,
    )


def _public_url(item: Item) -> str | None:
    if item.publication != Publication.PUBLISHED:
        return None
    name = "content:policy" if item.kind == Kind.POLICY else "content:news"
    return reverse(name, kwargs={"account_slug": item.account.slug, "item_id": item.pk})


@account_page("account.view")
def item_detail(request: HttpRequest, account: OfficialAccount, item_id: int) -> HttpResponse:
    _permissions(request, account)
    return _detail(request, account, access_item(account=account, item_id=item_id))


def _act(
    request: HttpRequest, account: OfficialAccount, item: Item, step: Any, success: str
) -> HttpResponse:
    """Run one action; on refusal show the item's page with the reason and the refusal's status."""
    return act(request, account, item, step, success, render=_detail, url=_item_url)


_REVIEW = review_step_views(
    ReviewPages(
        edit_permission="content.edit",
        retract_permission="content.approve",
        check_access=_permissions,
        fetch=lambda account, pk: access_item(account=account, item_id=pk),
        render=_detail,
        url=_item_url,
        submit=lambda item, actor: actions.do_submit(item=item, actor=actor),
        approve=lambda item, actor, note: actions.check_approve_item(
            item=item, actor=actor, note=note
        ),
        send_back=lambda item, actor, reason: actions.check_return_item(
            item=item, actor=actor, reason=reason
        ),
        retract=lambda item, actor, reason: actions.check_retract(
            item=item, actor=actor, reason=reason
        ),
        reopen=lambda item, actor: actions.check_reopen(item=item, actor=actor),
        first_passed=gettext_lazy("First review passed: the item awaits the final review."),
        final_passed=gettext_lazy("Final review passed."),
        reopened=gettext_lazy("The item is a draft again."),
    )
)
item_submit = _REVIEW["submit"]
item_approve = _REVIEW["approve"]
item_return = _REVIEW["return"]
item_retract = _REVIEW["retract"]
item_reopen = _REVIEW["reopen"]


@require_POST
@account_page("content.edit")
def item_delete(request: HttpRequest, account: OfficialAccount, item_id: int) -> HttpResponse:
    item = access_item(account=account, item_id=item_id)
    try:
        actions.do_delete_draft(item=item, actor=request.user)
    except AppError as error:
        return _detail(request, account, item, status=error.status, error=error.message)
    messages.success(request, _("The draft is deleted."))
    return redirect(_index_url(account))


# --- attachments, links, translations ---------------------------------------------------------
@require_POST
@account_page("content.edit")
def attachment_add(request: HttpRequest, account: OfficialAccount, item_id: int) -> HttpResponse:
    item = access_item(account=account, item_id=item_id)
    upload = request.FILES.get("file")
    if upload is None:
        return _detail(request, account, item, status=400, error=_("Choose a file."))
    if upload.size and upload.size > MAX_UPLOAD_BYTES:
        return _detail(request, account, item, status=400, error=_("The file is too large."))
    content = upload.read()
    return _act(
        request,
        account,
        item,
        lambda: actions.check_add_attachment(
            item=item, filename=upload.name or "file", content=content, actor=request.user
        ),
        _("The file is attached."),
    )


@require_POST
@account_page("content.edit")
def attachment_delete(
    request: HttpRequest, account: OfficialAccount, item_id: int, attachment_id: int
) -> HttpResponse:
    item = access_item(account=account, item_id=item_id)
    attachment = access_attachment(item=item, attachment_id=attachment_id)
    return _act(
        request,
        account,
        item,
        lambda: actions.do_remove_attachment(attachment=attachment, actor=request.user),
        _("The attachment is removed."),
    )


@account_page("account.view")
def attachment_file(
    request: HttpRequest, account: OfficialAccount, item_id: int, attachment_id: int
) -> HttpResponse:
    _permissions(request, account)
    item = access_item(account=account, item_id=item_id)
    attachment = access_attachment(item=item, attachment_id=attachment_id)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )


@require_POST
@account_page("content.edit")
def relation_add(request: HttpRequest, account: OfficialAccount, item_id: int) -> HttpResponse:
    item = access_item(account=account, item_id=item_id)
    target = access_item(account=account, item_id=request.POST.get("target") or 0)
    kind = request.POST.get("kind", "")
    return _act(
        request,
        account,
        item,
        lambda: actions.check_add_relation(
            source=item, target=target, kind=kind, actor=request.user
        ),
        _("The link is saved."),
    )


@require_POST
@account_page("content.edit")
def relation_delete(
    request: HttpRequest, account: OfficialAccount, item_id: int, relation_id: int
) -> HttpResponse:
    item = access_item(account=account, item_id=item_id)
    relation = access_relation(item=item, relation_id=relation_id)
    return _act(
        request,
        account,
        item,
        lambda: actions.do_remove_relation(relation=relation, actor=request.user),
        _("The link is removed."),
    )


@require_POST
@account_page("content.edit")
def item_translate(request: HttpRequest, account: OfficialAccount, item_id: int) -> HttpResponse:
    item = access_item(account=account, item_id=item_id)
    try:
        translation = actions.check_create_translation(item=item, actor=request.user)
    except AppError as error:
        return _detail(request, account, item, status=error.status, error=error.message)
    messages.success(
        request, _("A draft of the other language version is created: write its text.")
    )
    return redirect(
        reverse(
            "office-content:item-edit", kwargs={"account_id": account.pk, "item_id": translation.pk}
        )
    )


@require_POST
@account_page("content.edit")
def item_pair(request: HttpRequest, account: OfficialAccount, item_id: int) -> HttpResponse:
    item = access_item(account=account, item_id=item_id)
    other = access_item(account=account, item_id=request.POST.get("other") or 0)
    return _act(
        request,
        account,
        item,
        lambda: actions.check_pair(item=item, other=other, actor=request.user),
        _("The two versions are linked."),
    )


@require_POST
@account_page("content.edit")
def item_unpair(request: HttpRequest, account: OfficialAccount, item_id: int) -> HttpResponse:
    item = access_item(account=account, item_id=item_id)
    return _act(
        request,
        account,
        item,
        lambda: actions.do_unpair(item=item, actor=request.user),
        _("The versions are unlinked."),
    )


# --- import -----------------------------------------------------------------------------------
@account_page("content.edit")
def import_page(request: HttpRequest, account: OfficialAccount) -> HttpResponse:
    """Upload a CSV, JSON or ZIP file; every row is imported whole or rejected with its reason."""
    report = None
    status = 200
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > importer.MAX_FILE_BYTES:
                form.add_error("file", _("The file is larger than 20 MB."))
                status = 400
            else:
                try:
                    rows = importer.read_upload(upload.name or "", upload.read())
                except AppError as error:
                    form.add_error("file", error.message)
                    status = 400
                else:
                    report = importer.run_import(
                        account=account,
                        rows=rows,
                        actor=request.user,
                        check_only=form.cleaned_data["check_only"],
                        submit=form.cleaned_data["submit_for_review"],
                        source=upload.name or "",
                    )
        else:
            status = 400
    else:
        form = ImportForm()
    return render(
        request,
        "content/office/import.html",
        {"account": account, "form": form, "report": report, "columns": importer.COLUMNS},
        status=status,
    )


# --- media library ----------------------------------------------------------------------------
@account_page("content.edit")
def media_library(request: HttpRequest, account: OfficialAccount) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = MediaForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_UPLOAD_BYTES:
                form.add_error("file", _("The file is too large."))
                status = 400
            else:
                try:
                    asset = actions.check_upload_media(
                        account=account,
                        kind=form.cleaned_data["kind"],
                        filename=upload.name or "",
                        content=upload.read(),
                        actor=request.user,
                    )
                except AppError as error:
                    form.add_error("file", error.message)
                    status = error.status
                else:
                    messages.success(
                        request, _("“%(name)s” is in the library.") % {"name": asset.name}
                    )
                    return redirect(
                        reverse("office-content:media", kwargs={"account_id": account.pk})
                    )
        else:
            status = 400
    else:
        form = MediaForm()
    kind = request.GET.get("kind", "")
    page = Paginator(
        media_of(account=account, kind=kind if kind in MediaKind.values else ""), 40
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "content/office/media.html",
        {
            "account": account,
            "form": form,
            "page": page,
            "kind": kind,
            "kinds": MediaKind.choices,
            "rules": [(MediaKind(k).label, r) for k, r in MEDIA_RULES.items()],
        },
        status=status,
    )


@account_page("content.edit")
def media_file(request: HttpRequest, account: OfficialAccount, media_id: int) -> HttpResponse:
    asset = access_media(account=account, media_id=media_id)
    response = FileResponse(asset.file.open("rb"), content_type=asset.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@account_page("content.edit")
def media_delete(request: HttpRequest, account: OfficialAccount, media_id: int) -> HttpResponse:
    asset = access_media(account=account, media_id=media_id)
    try:
        actions.do_delete_media(asset=asset, actor=request.user)
    except AppError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("“%(name)s” is deleted.") % {"name": asset.name})
    return redirect(reverse("office-content:media", kwargs={"account_id": account.pk}))


@require_POST
@account_page("content.edit")
def media_push(request: HttpRequest, account: OfficialAccount, media_id: int) -> HttpResponse:
    asset = access_media(account=account, media_id=media_id)
    actions.do_request_wechat_upload(asset=asset, actor=request.user)
    messages.success(request, _("“%(name)s” is being uploaded to WeChat.") % {"name": asset.name})
    return redirect(reverse("office-content:media", kwargs={"account_id": account.pk}))
