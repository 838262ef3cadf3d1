"""Writes of the menus app: save a draft, publish it to WeChat, take menus down, count clicks.

Publishing calls WeChat before the transaction, not after it: the call is the change itself and
its answer (a refusal, or a conditional menu's menuid) decides what is written. No transaction is
open during the call, so a slow WeChat holds no lock.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weizheng.core.actions import do_audit
from weizheng.core.errors import AppError
from weizheng.followers.models import FollowerTag
from weizheng.wechat.client import client_for
from weizheng.wechat.errors import WeChatApiError, WeChatError
from weizheng.wechat.models import OfficialAccount

from .models import PLATFORM_FROM_WECHAT, Menu, MenuButton, MenuClick, MenuStatus
from .selectors import has_published_default, menu_structure
from .validation import MAX_KEY_BYTES, MenuProblem, ProblemCode, check_menu

logger = logging.getLogger(__name__)

MAX_MENU_NAME_LENGTH = 100

# What a few of WeChat's refusals mean for the person publishing.
REFUSAL_HINTS = {
    45009: _("Today's quota of menu publications is used up; try again tomorrow."),
    48001: _("The account may not use WeChat's menu API; check that it is verified."),
}


def _invalid(problems: Sequence[MenuProblem]) -> AppError:
    return AppError(
        "menu_invalid",
        " ".join(problem.message for problem in problems),
        problems=[problem.as_dict() for problem in problems],
    )


def _tag_problem(code: str, message: Any, field: str = "matchrule.tag_id") -> MenuProblem:
    return MenuProblem(code=code, message=str(message), field=field)


def _resolve_tag(account: OfficialAccount, rule: dict[str, Any]) -> FollowerTag | None:
    tag_id = rule.get("tag_id")
    if tag_id in (None, ""):
        return None
    tag = FollowerTag.objects.filter(account=account, wechat_id=int(str(tag_id))).first()
    if tag is None:
        raise _invalid(
            [
                _tag_problem(
                    "tag_unknown",
                    _(
                        "The account has no tag with the WeChat tag ID %(tag)s; synchronise the"
                        " tags with WeChat first."
                    )
                    % {"tag": tag_id},
                )
            ]
        )
    return tag


def _create_buttons(menu: Menu, buttons: list[dict[str, Any]]) -> None:
    def row(button: dict[str, Any], position: int, parent: MenuButton | None) -> MenuButton:
        subs = button.get("sub_button") or []
        return MenuButton.objects.create(
            menu=menu,
            parent=parent,
            position=position,
            name=str(button["name"]).strip(),
            type="" if subs else str(button.get("type", "")).strip(),
            key=str(button.get("key") or "").strip(),
            url=str(button.get("url") or "").strip(),
            media_id=str(button.get("media_id") or "").strip(),
            article_id=str(button.get("article_id") or "").strip(),
            appid=str(button.get("appid") or "").strip(),
            pagepath=str(button.get("pagepath") or "").strip(),
        )

    for position, button in enumerate(buttons, start=1):
        top = row(button, position, None)
        for sub_position, sub in enumerate(button.get("sub_button") or [], start=1):
            row(sub, sub_position, top)


def do_save_menu(
    *,
    account: OfficialAccount,
    structure: dict[str, Any],
    actor: Any,
    name: str,
    menu: Menu | None = None,
    allowed_domains: Iterable[str] | None = None,
    actor_label: str = "",
) -> Menu:
    """Validate a menu (WeChat's JSON; with a "matchrule" it is conditional) and save it as a
    draft: a new one, or over `menu` when that is a draft. Published menus are never changed."""
    name = (name or "").strip()
    if not name or len(name) > MAX_MENU_NAME_LENGTH:
        raise AppError(
            "menu_name_invalid",
            str(
                _("Give the menu a name of 1 to %(limit)d characters.")
                % {"limit": MAX_MENU_NAME_LENGTH}
            ),
        )
    not_draft = AppError(
        "menu_not_draft",
        str(_("Only a draft menu of this account can be changed; save a new draft instead.")),
    )
    if menu is not None and (menu.account_id != account.pk or menu.status != MenuStatus.DRAFT):
        raise not_draft
    problems = check_menu(structure, allowed_domains=allowed_domains)
    if problems:
        raise _invalid(problems)
    is_conditional = "matchrule" in structure
    rule = structure.get("matchrule") or {}
    tag = _resolve_tag(account, rule) if is_conditional else None
    platform = str(rule.get("client_platform_type") or "") if is_conditional else ""
    client_platform = PLATFORM_FROM_WECHAT.get(platform, "")
    with transaction.atomic():
        if menu is None:
            menu = Menu.objects.create(
                account=account,
                name=name,
                is_conditional=is_conditional,
                tag=tag,
                client_platform=client_platform,
            )
        else:
            # Published meanwhile? Then WeChat has these buttons: they must not change.
            if (
                not Menu.objects.select_for_update()
                .filter(pk=menu.pk, status=MenuStatus.DRAFT)
                .exists()
            ):
                raise not_draft
            menu.name = name
            menu.is_conditional = is_conditional
            menu.tag = tag
            menu.client_platform = client_platform
            menu.save(
                update_fields=["name", "is_conditional", "tag", "client_platform", "updated_at"]
            )
        MenuButton.objects.filter(menu=menu).delete()
        _create_buttons(menu, structure["button"])
        do_audit(
            action="menus.save",
            actor=actor,
            actor_label=actor_label,
            account=account,
            target=menu,
            detail={"name": name, "menu": menu_structure(menu=menu)},
        )
    return menu


def _refused(menu: Menu, *, actor: Any, actor_label: str, reason: str, detail: dict) -> None:
    """The menu stays as it was; the reason is kept on it and in the audit log."""
    with transaction.atomic():
        menu.last_publish_error = reason[:500]
        menu.save(update_fields=["last_publish_error", "updated_at"])
        do_audit(
            action="menus.publish_refused",
            actor=actor,
            actor_label=actor_label,
            account=menu.account,
            target=menu,
            detail={"reason": reason, **detail},
        )


def _wechat_refusal(menu: Menu, exc: WeChatError) -> AppError:
    if isinstance(exc, WeChatApiError):
        message = _(
            "WeChat refused the menu “%(name)s” with error %(errcode)s (%(errmsg)s). The menu"
            " was not changed on WeChat."
        ) % {"name": menu.name, "errcode": exc.errcode, "errmsg": exc.errmsg}
        hint = REFUSAL_HINTS.get(int(exc.errcode or 0))
        if hint:
            message = f"{message} {hint}"
        return AppError("wechat_refused", message, errcode=exc.errcode, errmsg=exc.errmsg)
    message = _(
        "WeChat could not be reached to publish the menu “%(name)s”. Nothing was changed;"
        " try again in a few minutes."
    ) % {"name": menu.name}
    return AppError("wechat_unavailable", message, status=502, errcode=exc.errcode)


def do_publish_menu(
    *,
    menu: Menu,
    actor: Any,
    allowed_domains: Iterable[str] | None = None,
    actor_label: str = "",
) -> Menu:
    """Check the menu again and send it to WeChat: menu/create for the default menu (replacing
    the one WeChat shows), menu/addconditional for a conditional one. A refusal, ours or
    WeChat's, leaves the menu as it was, records why, and raises AppError."""
    account = menu.account
    structure = menu_structure(menu=menu)
    problems = check_menu(
        structure,
        allowed_domains=allowed_domains,
        has_published_default=has_published_default(account=account)
        if menu.is_conditional
        else None,
    )
    if menu.is_conditional and menu.tag is not None and menu.tag.wechat_id is None:
        # The rule has a tag, only not one WeChat knows: say that, not "no match rule".
        problems = [p for p in problems if p.code != ProblemCode.MATCH_RULE_MISSING]
        problems.append(
            _tag_problem(
                "tag_not_on_wechat",
                _(
                    "The tag “%(tag)s” is not on WeChat yet; synchronise the tags before"
                    " publishing a menu for it."
                )
                % {"tag": menu.tag.name},
            )
        )
    if problems:
        error = _invalid(problems)
        _refused(
            menu,
            actor=actor,
            actor_label=actor_label,
            reason=error.message,
            detail={"problems": error.extra["problems"]},
        )
        raise error

    client = client_for(account)
    try:
        if menu.is_conditional:
            answer = client.menu.add_conditional(structure)
        else:
            client.menu.create(structure)
            answer = {}
    except WeChatError as exc:
        error = _wechat_refusal(menu, exc)
        _refused(
            menu,
            actor=actor,
            actor_label=actor_label,
            reason=error.message,
            detail={"errcode": exc.errcode, "errmsg": exc.errmsg, "api": exc.api},
        )
        raise error from exc

    replaced_menu_id = menu.wechat_menu_id if menu.status == MenuStatus.PUBLISHED else ""
    with transaction.atomic():
        # Serialises publications of one account, so the one-default constraint never trips.
        OfficialAccount.objects.select_for_update().filter(pk=account.pk).first()
        replaced: list[int] = []
        if not menu.is_conditional:
            others = Menu.objects.filter(
                account=account, is_conditional=False, status=MenuStatus.PUBLISHED
            ).exclude(pk=menu.pk)
            replaced = list(others.values_list("pk", flat=True))
            others.update(status=MenuStatus.DRAFT, updated_at=timezone.now())
        menu.status = MenuStatus.PUBLISHED
        menu.published_at = timezone.now()
        menu.wechat_menu_id = str(answer.get("menuid", "")) if menu.is_conditional else ""
        menu.last_publish_error = ""
        menu.save(
            update_fields=[
                "status",
                "published_at",
                "wechat_menu_id",
                "last_publish_error",
                "updated_at",
            ]
        )
        do_audit(
            action="menus.publish",
            actor=actor,
            actor_label=actor_label,
            account=account,
            target=menu,
            detail={
                "menu": structure,
                "wechat_menu_id": menu.wechat_menu_id,
                "replaced": replaced,
            },
        )
    if replaced_menu_id and replaced_menu_id != menu.wechat_menu_id:
        transaction.on_commit(
            lambda: _delete_conditional_on_wechat(account, replaced_menu_id), robust=True
        )
    return menu


def _delete_conditional_on_wechat(account: OfficialAccount, wechat_menu_id: str) -> None:
    """Remove the previous version of a republished conditional menu. The new version is newer,
    so WeChat already prefers it: a failure here leaves a harmless stale entry, logged."""
    try:
        client_for(account).menu.del_conditional(wechat_menu_id)
    except WeChatError as exc:
        logger.warning("Conditional menu %s of %s not deleted: %s", wechat_menu_id, account, exc)


def do_delete_published(*, account: OfficialAccount, actor: Any, actor_label: str = "") -> int:
    """Take the account's menus off WeChat (menu/delete removes the default menu and every
    conditional one); they become drafts. Returns how many were published."""
    try:
        client_for(account).menu.delete()
    except WeChatError as exc:
        with transaction.atomic():
            do_audit(
                action="menus.delete_refused",
                actor=actor,
                actor_label=actor_label,
                account=account,
                detail={"errcode": exc.errcode, "errmsg": exc.errmsg},
            )
        if isinstance(exc, WeChatApiError):
            raise AppError(
                "wechat_refused",
                _("WeChat refused to delete the menus with error %(errcode)s (%(errmsg)s).")
                % {"errcode": exc.errcode, "errmsg": exc.errmsg},
                errcode=exc.errcode,
                errmsg=exc.errmsg,
            ) from exc
        raise AppError(
            "wechat_unavailable",
            str(_("WeChat could not be reached to delete the menus; try again in a few minutes.")),
            status=502,
        ) from exc
    with transaction.atomic():
        OfficialAccount.objects.select_for_update().filter(pk=account.pk).first()
        published = Menu.objects.filter(account=account, status=MenuStatus.PUBLISHED)
        ids = list(published.values_list("pk", flat=True))
        published.update(status=MenuStatus.DRAFT, wechat_menu_id="", updated_at=timezone.now())
        do_audit(
            action="menus.delete_published",
            actor=actor,
            actor_label=actor_label,
            account=account,
            detail={"menus": ids},
        )
    return len(ids)


def do_record_click(*, account: OfficialAccount, key: str, at: datetime) -> None:
    """Count one press of a button key on the (Beijing) day of `at`.

    An UPDATE in place, an INSERT on the day's first press; two first presses at once both try
    the INSERT, and the loser, refused by the unique constraint, updates instead.
    """
    key = key.strip()
    if not key:
        return
    key = key.encode("utf-8")[:MAX_KEY_BYTES].decode("utf-8", "ignore")
    day = timezone.localdate(at)
    rows = MenuClick.objects.filter(account=account, key=key, day=day)
    if rows.update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            MenuClick.objects.create(account=account, key=key, day=day, count=1)
    except IntegrityError:
        rows.update(count=F("count") + 1)


def do_delete_draft(*, menu: Menu, actor: Any, actor_label: str = "") -> None:
    """Delete a draft menu and its buttons. A published menu is taken off WeChat first
    (do_delete_published): deleting its record would leave WeChat showing a menu nobody can see
    here."""
    not_draft = AppError(
        "menu_not_draft",
        str(_("Only a draft menu can be deleted; take the published menus off WeChat first.")),
    )
    if menu.status != MenuStatus.DRAFT:
        raise not_draft
    with transaction.atomic():
        # Published meanwhile? Then it stays.
        deleted, _counts = Menu.objects.filter(pk=menu.pk, status=MenuStatus.DRAFT).delete()
        if not deleted:
            raise not_draft
        do_audit(
            action="menus.delete_draft",
            actor=actor,
            actor_label=actor_label,
            account=menu.account,
            detail={"menu": menu.pk, "name": menu.name},
        )
