"""Back-office pages of the menus app: the list with click counts, the editor with its phone
preview, publication. Each view checks its input and calls one action; the actions validate
(against WeChat's limits, before any API call) and audit."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from weizheng.core.errors import AppError
from weizheng.staff.decorators import account_page
from weizheng.staff.selectors import can
from weizheng.wechat.models import OfficialAccount

from .actions import do_delete_draft, do_delete_published, do_publish_menu, do_save_menu
from .forms import KIND_CONDITIONAL, MenuForm, initial_from_menu
from .models import ButtonType, Menu, MenuStatus
from .selectors import (
    TYPE_FIELDS,
    access_menu,
    has_published_default,
    menus_of,
    published_button_clicks,
)
from .validation import (
    MAX_KEY_BYTES,
    MAX_SUB_NAME_BYTES,
    MAX_TOP_NAME_BYTES,
    MAX_URL_BYTES,
    check_menu,
)


def _allowed_domains(account: OfficialAccount) -> list[str] | None:
    """The host names view buttons may open (None: any)."""
    return list(getattr(account, "menu_url_domains", None) or []) or None


def _require(request: HttpRequest, permission: str, account: OfficialAccount) -> None:
    if not can(request.user, permission, account):
        raise PermissionDenied(_("Your roles do not allow this on this account."))


def _show_error(request: HttpRequest, error: AppError, menu: Menu | None = None) -> None:
    problems = error.extra.get("problems")
    if not problems:
        messages.error(request, error.message)
        return
    for problem in problems:
        if menu is None:
            messages.error(request, problem["message"])
        else:
            messages.error(
                request,
                _("Menu “%(name)s”: %(problem)s")
                % {"name": menu.name, "problem": problem["message"]},
            )


def _index_url(account: OfficialAccount) -> str:
    return reverse("office-menus:index", kwargs={"account_id": account.pk})


def _edit_url(account: OfficialAccount, menu: Menu) -> str:
    return reverse("office-menus:edit", kwargs={"account_id": account.pk, "menu_id": menu.pk})


def _editor_context(
    request: HttpRequest, account: OfficialAccount, form: MenuForm, menu: Menu | None
) -> dict[str, Any]:
    can_edit = can(request.user, "menu.edit", account)
    return {
        "can_edit": can_edit,
        "is_editable": can_edit and (menu is None or menu.status == MenuStatus.DRAFT),
        "account": account,
        "form": form,
        "menu": menu,
        "can_publish": can(request.user, "menu.publish", account),
        "has_published_default": has_published_default(account=account),
        "allowed_domains": _allowed_domains(account),
        "editor_config": {
            "typeFields": {kind: list(fields) for kind, fields in TYPE_FIELDS.items()},
            "typeLabels": dict(ButtonType.choices),
            "limits": {
                "topName": MAX_TOP_NAME_BYTES,
                "subName": MAX_SUB_NAME_BYTES,
                "key": MAX_KEY_BYTES,
                "url": MAX_URL_BYTES,
            },
            "checkUrl": reverse("office-menus:check", kwargs={"account_id": account.pk}),
            "labels": {
                "bytes": _("bytes"),
                "valid": _("The menu meets WeChat's rules."),
                "invalid": _("The menu breaks WeChat's rules: see the messages by the fields."),
            },
        },
    }


@account_page("account.view")
def index(request: HttpRequest, account: OfficialAccount) -> HttpResponse:
    """The account's menus, the default ones first, and presses per button."""
    clicks, other_clicks = published_button_clicks(account=account)
    return render(
        request,
        "menus/index.html",
        {
            "account": account,
            "menus": menus_of(account=account),
            "clicks": clicks,
            "other_clicks": sorted(other_clicks.items(), key=lambda item: (-item[1], item[0])),
            "can_edit": can(request.user, "menu.edit", account),
            "can_publish": can(request.user, "menu.publish", account),
            "has_published_default": has_published_default(account=account),
        },
    )


def _save(
    request: HttpRequest, account: OfficialAccount, form: MenuForm, menu: Menu | None
) -> Menu | None:
    """Save the editor's menu (and publish it when asked); the saved menu, or None when the
    form shows why not."""
    wants_publication = request.POST.get("action") == "publish"
    if wants_publication:
        # Checked before anything is saved: a refused request changes nothing.
        _require(request, "menu.publish", account)
    if not form.is_valid():
        return None
    try:
        saved = do_save_menu(
            account=account,
            structure=form.structure(),
            actor=request.user,
            name=form.cleaned_data["name"],
            menu=menu,
            allowed_domains=_allowed_domains(account),
        )
    except AppError as error:
        if error.code == "menu_invalid":
            form.add_problems(error.extra.get("problems") or [])
        elif error.code == "menu_name_invalid":
            form.add_error("name", error.message)
        else:
            form.add_error(None, error.message)
        return None
    if not wants_publication:
        messages.success(request, _("The draft “%(name)s” is saved.") % {"name": saved.name})
        return saved
    try:
        do_publish_menu(menu=saved, actor=request.user, allowed_domains=_allowed_domains(account))
    except AppError as error:
        messages.warning(
            request,
            _("The draft “%(name)s” is saved but not published.") % {"name": saved.name},
        )
        _show_error(request, error)
    else:
        messages.success(
            request, _("The menu “%(name)s” is published on WeChat.") % {"name": saved.name}
        )
    return saved


@account_page("menu.edit")
def new(request: HttpRequest, account: OfficialAccount) -> HttpResponse:
    """A new draft: blank, conditional (?conditional=1), or a copy of a menu (?from=<id>)."""
    if request.method == "POST":
        form = MenuForm(request.POST, account=account)
        saved = _save(request, account, form, None)
        if saved is not None:
            return redirect(_edit_url(account, saved))
    else:
        source = request.GET.get("from")
        if source:
            # A malformed id is a missing menu, not a server error.
            if not (source.isascii() and source.isdigit() and len(source) <= 18):
                raise Http404("No such menu.")
            original = access_menu(account=account, menu_id=int(source))
            initial = initial_from_menu(
                original, name=_("Copy of %(name)s") % {"name": original.name}
            )
        else:
            initial = {"kind": KIND_CONDITIONAL} if request.GET.get("conditional") else {}
        form = MenuForm(initial=initial, account=account)
    return render(request, "menus/editor.html", _editor_context(request, account, form, None))


@account_page("account.view")
def edit(request: HttpRequest, account: OfficialAccount, menu_id: int) -> HttpResponse:
    """A menu in the editor: a draft can be changed; a published menu is shown read-only
    (WeChat holds it; changes go into a copy)."""
    menu = access_menu(account=account, menu_id=menu_id)
    if request.method == "POST":
        _require(request, "menu.edit", account)
        form = MenuForm(request.POST, account=account)
        if menu.status != MenuStatus.DRAFT:
            form.is_valid()
            form.add_error(
                None, _("A published menu is not changed in place; edit a copy of it instead.")
            )
        else:
            saved = _save(request, account, form, menu)
            if saved is not None:
                return redirect(_edit_url(account, saved))
    else:
        form = MenuForm(initial=initial_from_menu(menu), account=account)
    return render(request, "menus/editor.html", _editor_context(request, account, form, menu))


@require_POST
@account_page("menu.edit")
def check(request: HttpRequest, account: OfficialAccount) -> JsonResponse:
    """The editor's live check: the editor's fields in, WeChat's broken rules out, per field.
    Nothing is saved."""
    form = MenuForm(request.POST, account=account)
    form.is_valid()  # the slots are checked even while, say, the menu's name is missing
    errors = {
        "" if field == NON_FIELD_ERRORS else field: list(found)
        for field, found in form.errors.items()
    }
    problems = [
        problem.as_dict()
        for problem in check_menu(form.structure(), allowed_domains=_allowed_domains(account))
    ]
    for field, found in form.problems_by_field(problems).items():
        errors.setdefault(field, []).extend(found)
    return JsonResponse(
        {"is_valid": not errors, "errors": errors}, json_dumps_params={"ensure_ascii": False}
    )


@require_POST
@account_page("menu.publish")
def publish(request: HttpRequest, account: OfficialAccount, menu_id: int) -> HttpResponse:
    """Send a menu to WeChat (validated again first: a menu that breaks a rule never reaches the
    API)."""
    menu = access_menu(account=account, menu_id=menu_id)
    try:
        do_publish_menu(menu=menu, actor=request.user, allowed_domains=_allowed_domains(account))
    except AppError as error:
        _show_error(request, error, menu)
    else:
        messages.success(
            request, _("The menu “%(name)s” is published on WeChat.") % {"name": menu.name}
        )
    if request.POST.get("next") == "edit":
        return redirect(_edit_url(account, menu))
    return redirect(_index_url(account))


@require_POST
@account_page("menu.edit")
def delete(request: HttpRequest, account: OfficialAccount, menu_id: int) -> HttpResponse:
    """Delete a draft."""
    menu = access_menu(account=account, menu_id=menu_id)
    try:
        do_delete_draft(menu=menu, actor=request.user)
    except AppError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The draft “%(name)s” is deleted.") % {"name": menu.name})
    return redirect(_index_url(account))


@require_POST
@account_page("menu.publish")
def unpublish(request: HttpRequest, account: OfficialAccount) -> HttpResponse:
    """Take every menu of the account off WeChat (they stay here as drafts)."""
    try:
        count = do_delete_published(account=account, actor=request.user)
    except AppError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            ngettext(
                "The menus are taken off WeChat; %(count)d published menu is a draft again.",
                "The menus are taken off WeChat; %(count)d published menus are drafts again.",
                count,
            )
            % {"count": count},
        )
    return redirect(_index_url(account))
