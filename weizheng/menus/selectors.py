"""Reads of the menus app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from weizheng.followers.models import FollowerTag
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


def access_menu(*, account: OfficialAccount, menu_id: Any) -> Menu:
    """A menu of `account`; 404 for another account's menu or none, so nothing tells a clerk
    that it exists."""
    menu = Menu.objects.select_related("tag").filter(account=account, pk=menu_id).first()
    if menu is None:
        raise Http404("No such menu.")
    return menu


def menus_of(*, account: OfficialAccount) -> list[Menu]:
    """The account's menus for the back-office list: published before drafts, the default menus
    before conditional ones, the latest change first."""
    return list(
        Menu.objects.filter(account=account)
        .select_related("tag")
        .order_by("-status", "is_conditional", "-updated_at", "-pk")
    )


def menu_tags(*, account: OfficialAccount) -> QuerySet[FollowerTag]:
    """The tags a conditional menu may name: only those WeChat knows (with a tag ID)."""
    return FollowerTag.objects.filter(account=account, wechat_id__isnull=False).order_by("name")


@dataclass(frozen=True, slots=True)
class ButtonClicks:
    """A keyed button of a published menu and its presses over two periods."""

    menu: Menu
    path: str
    key: str
    type: str
    last_7_days: int
    last_30_days: int


def published_button_clicks(
    *, account: OfficialAccount, today: date | None = None
) -> tuple[list[ButtonClicks], dict[str, int]]:
    """Presses of each keyed button of the published menus over the last 7 and 30 days (today
    included), and those of keys no published menu has any more (an older menu's buttons)."""
    today = today or timezone.localdate()
    week = click_counts(account=account, since=today - timedelta(days=6), until=today)
    month = click_counts(account=account, since=today - timedelta(days=29), until=today)
    rows: list[ButtonClicks] = []
    seen: set[str] = set()
    published = Menu.objects.filter(account=account, status=MenuStatus.PUBLISHED).order_by(
        "is_conditional", "pk"
    )
    buttons = (
        MenuButton.objects.filter(menu__in=published)
        .exclude(key="")
        .select_related("menu", "parent")
        .order_by("menu__is_conditional", "menu_id", "parent__position", "position")
    )
    for button in buttons:
        if button.type not in TYPE_FIELDS or "key" not in TYPE_FIELDS[button.type]:
            continue
        path = f"{button.parent.name} › {button.name}" if button.parent else button.name
        rows.append(
            ButtonClicks(
                menu=button.menu,
                path=path,
                key=button.key,
                type=button.type,
                last_7_days=week.get(button.key, 0),
                last_30_days=month.get(button.key, 0),
            )
        )
        seen.add(button.key)
    others = {key: count for key, count in month.items() if key not in seen}
    return rows, others


def click_keys(*, account: OfficialAccount) -> list[tuple[str, str]]:
    """(key, button name) of every CLICK button in the account's menus, published ones first —
    the keys a reply can be set for."""
    seen: dict[str, str] = {}
    buttons = (
        MenuButton.objects.filter(menu__account=account, type=ButtonType.CLICK)
        .exclude(key="")
        .order_by("-menu__status", "menu_id", "position")
        .values_list("key", "name", "menu__status")
    )
    published = [(k, n) for k, n, s in buttons if s == MenuStatus.PUBLISHED]
    others = [(k, n) for k, n, s in buttons if s != MenuStatus.PUBLISHED]
    for key, name in published + others:
        seen.setdefault(key, name)
    return list(seen.items())
