"""Reads of the menus app."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from weizheng.wechat.models import OfficialAccount

from .models import PLATFORM_TO_WECHAT, ButtonType, Menu, MenuButton, MenuClick, MenuStatus

# The fields each button type carries in WeChat's JSON, besides type and name.
TYPE_FIELDS: dict[str, tuple[str, ...]] = {
    ButtonType.CLICK: ("key",),
    ButtonType.VIEW: ("url",),
    ButtonType.SCANCODE_PUSH: ("key",),
    ButtonType.SCANCODE_WAITMSG: ("key",),
    ButtonType.PIC_SYSPHOTO: ("key",),
    ButtonType.PIC_PHOTO_OR_ALBUM: ("key",),
    ButtonType.PIC_WEIXIN: ("key",),
    ButtonType.LOCATION_SELECT: ("key",),
    ButtonType.MEDIA_ID: ("media_id",),
    ButtonType.ARTICLE_ID: ("article_id",),
    ButtonType.MINIPROGRAM: ("url", "appid", "pagepath"),
}


def current_menu(*, account: OfficialAccount) -> Menu | None:
    """The default menu WeChat shows the account's followers, if one is published."""
    return Menu.objects.filter(
        account=account, is_conditional=False, status=MenuStatus.PUBLISHED
    ).first()


def has_published_default(*, account: OfficialAccount) -> bool:
    return Menu.objects.filter(
        account=account, is_conditional=False, status=MenuStatus.PUBLISHED
    ).exists()


def _button_json(button: MenuButton, children: list[MenuButton]) -> dict[str, Any]:
    if children:
        return {
            "name": button.name,
            "sub_button": [_button_json(child, []) for child in children],
        }
    data: dict[str, Any] = {"type": button.type, "name": button.name}
    for field in TYPE_FIELDS.get(button.type, ()):
        data[field] = getattr(button, field)
    return data


def menu_structure(*, menu: Menu) -> dict[str, Any]:
    """The menu as WeChat's menu/create (or menu/addconditional, with its matchrule) takes it."""
    rows = list(MenuButton.objects.filter(menu=menu).order_by("position", "pk"))
    children: dict[int, list[MenuButton]] = {}
    for row in rows:
        if row.parent_id is not None:
            children.setdefault(row.parent_id, []).append(row)
    structure: dict[str, Any] = {
        "button": [
            _button_json(row, children.get(row.pk, [])) for row in rows if row.parent_id is None
        ]
    }
    if menu.is_conditional:
        rule: dict[str, str] = {}
        if menu.tag is not None and menu.tag.wechat_id is not None:
            rule["tag_id"] = str(menu.tag.wechat_id)
        if menu.client_platform:
            rule["client_platform_type"] = PLATFORM_TO_WECHAT[menu.client_platform]
        structure["matchrule"] = rule
    return structure


def click_counts(
    *, account: OfficialAccount, since: date, until: date | None = None
) -> dict[str, int]:
    """Presses per button key from the day `since` (Beijing days, both ends included), the most
    pressed first."""
    if isinstance(since, datetime):
        since = timezone.localdate(since)
    if isinstance(until, datetime):
        until = timezone.localdate(until)
    rows = MenuClick.objects.filter(account=account, day__gte=since)
    if until is not None:
        rows = rows.filter(day__lte=until)
    totals = rows.values("key").annotate(total=Sum("count")).order_by("-total", "key")
    return {row["key"]: int(row["total"]) for row in totals}
