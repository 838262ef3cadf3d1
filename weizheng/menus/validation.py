"""WeChat's rules for a custom menu, checked on the JSON WeChat takes, before any API call.

`check_menu` works on a plain dict (`{"button": [...], "matchrule": {...}}`), touches neither the
database nor settings, and reports every problem at once, each naming the rule broken and the
button it was found on, so an editor can validate a draft as it is typed.

Lengths are counted as WeChat counts them: in UTF-8 bytes, so a Chinese character counts 3.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy as _

MAX_TOP_BUTTONS = 3
MAX_SUB_BUTTONS = 5
MAX_TOP_NAME_BYTES = 16
MAX_SUB_NAME_BYTES = 60
MAX_KEY_BYTES = 128
MAX_URL_BYTES = 1024

BUTTON_TYPES = frozenset(
    {
        "click",
        "view",
        "scancode_push",
        "scancode_waitmsg",
        "pic_sysphoto",
        "pic_photo_or_album",
        "pic_weixin",
        "location_select",
        "media_id",
        "article_id",
        "miniprogram",
    }
)
# The types whose press WeChat reports to the callback with the button's key.
KEY_TYPES = frozenset(
    {
        "click",
        "scancode_push",
        "scancode_waitmsg",
        "pic_sysphoto",
        "pic_photo_or_album",
        "pic_weixin",
        "location_select",
    }
)
# The match rule fields Weizheng stores; WeChat's others (sex, region, language) are not offered.
MATCH_RULE_FIELDS = ("tag_id", "client_platform_type")
CLIENT_PLATFORM_TYPES = ("1", "2", "3")  # iOS, Android, others
# WeChat states no limit for these; ours keep a runaway value out of the database.
FIELD_MAX_LENGTHS = {"media_id": 255, "article_id": 255, "appid": 64, "pagepath": 1024}


class ProblemCode:
    """Stable codes for machines (the editor highlights a field by them)."""

    NOT_A_MENU = "not_a_menu"
    NO_BUTTONS = "no_buttons"
    TOO_MANY_BUTTONS = "too_many_buttons"
    BUTTON_MALFORMED = "button_malformed"
    NAME_MISSING = "name_missing"
    NAME_TOO_LONG = "name_too_long"
    TOO_MANY_SUB_BUTTONS = "too_many_sub_buttons"
    TYPE_WITH_SUB_BUTTONS = "type_with_sub_buttons"
    NESTED_SUB_BUTTONS = "nested_sub_buttons"
    TYPE_MISSING = "type_missing"
    TYPE_UNKNOWN = "type_unknown"
    KEY_MISSING = "key_missing"
    KEY_TOO_LONG = "key_too_long"
    KEY_DUPLICATE = "key_duplicate"
    URL_MISSING = "url_missing"
    URL_NOT_WEB = "url_not_web"
    URL_TOO_LONG = "url_too_long"
    URL_DOMAIN_NOT_ALLOWED = "url_domain_not_allowed"
    MEDIA_ID_MISSING = "media_id_missing"
    ARTICLE_ID_MISSING = "article_id_missing"
    MINIPROGRAM_APPID_MISSING = "miniprogram_appid_missing"
    MINIPROGRAM_PAGEPATH_MISSING = "miniprogram_pagepath_missing"
    FIELD_TOO_LONG = "field_too_long"
    MATCH_RULE_MISSING = "match_rule_missing"
    MATCH_RULE_UNSUPPORTED = "match_rule_unsupported"
    TAG_INVALID = "tag_invalid"
    PLATFORM_INVALID = "platform_invalid"
    NO_DEFAULT_MENU = "no_default_menu"


@dataclass(frozen=True, slots=True)
class MenuProblem:
    """One broken rule: a code, a sentence in the active language, and where (1-based)."""

    code: str
    message: str
    button: int | None = None
    sub_button: int | None = None
    field: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "button": self.button,
            "sub_button": self.sub_button,
            "field": self.field,
        }

    def __str__(self) -> str:
        return self.message


def byte_length(text: str) -> int:
    """Length as WeChat counts it: UTF-8 bytes (a Chinese character is 3)."""
    return len(text.encode("utf-8"))


def _text(value: Any) -> str:
    """A string field's value; anything that is not a string counts as missing."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def _host_allowed(host: str, allowed: list[str]) -> bool:
    # A subdomain of an allowed domain is allowed: whoever controls the domain controls it.
    return any(host == domain or host.endswith("." + domain) for domain in allowed)


@dataclass(frozen=True, slots=True)
class _Place:
    button: int
    sub_button: int | None
    name: str

    def describe(self) -> str:
        """Where the problem is, to be inserted as %(where)s in the sentences below."""
        if self.sub_button is None:
            if self.name:
                # Translators: %(where)s of the menu problems, e.g. 第2个菜单「服务事项」.
                return _("button %(button)d “%(name)s”") % {
                    "button": self.button,
                    "name": self.name,
                }
            # Translators: %(where)s of the menu problems, e.g. 第2个菜单.
            return _("button %(button)d") % {"button": self.button}
        if self.name:
            # Translators: %(where)s of the menu problems, e.g. 第2个菜单的第3个子菜单「违法查询」.
            return _("sub-button %(sub_button)d “%(name)s” of button %(button)d") % {
                "button": self.button,
                "sub_button": self.sub_button,
                "name": self.name,
            }
        # Translators: %(where)s of the menu problems, e.g. 第2个菜单的第3个子菜单.
        return _("sub-button %(sub_button)d of button %(button)d") % {
            "button": self.button,
            "sub_button": self.sub_button,
        }


class _Checker:
    def __init__(self, allowed_domains: Iterable[str] | None) -> None:
        self.problems: list[MenuProblem] = []
        self.allowed = [
            d.strip().lower().lstrip(".") for d in (allowed_domains or ()) if d and d.strip()
        ]
        self.keys: dict[str, _Place] = {}

    def add(self, code: str, message: Any, place: _Place | None = None, field: str = "") -> None:
        self.problems.append(
            MenuProblem(
                code=code,
                message=str(message),
                button=place.button if place else None,
                sub_button=place.sub_button if place else None,
                field=field,
            )
        )

    # --- buttons -----------------------------------------------------------------------------
    def top_button(self, button: Any, position: int) -> None:
        place = _Place(
            position, None, _text(button.get("name")) if isinstance(button, dict) else ""
        )
        if not isinstance(button, dict):
            self.malformed(place)
            return
        self.name(button, place, limit=MAX_TOP_NAME_BYTES)
        subs = button.get("sub_button")
        if subs is not None and not isinstance(subs, list):
            self.malformed(place)
            return
        if not subs:
            self.leaf(button, place)
            return
        kind = _text(button.get("type"))
        if kind:
            self.add(
                ProblemCode.TYPE_WITH_SUB_BUTTONS,
                _(
                    "A button with sub-buttons has no type of its own: remove the type “%(type)s”"
                    " of %(where)s or its sub-buttons."
                )
                % {"type": kind, "where": place.describe()},
                place,
                "type",
            )
        if len(subs) > MAX_SUB_BUTTONS:
            self.add(
                ProblemCode.TOO_MANY_SUB_BUTTONS,
                _(
                    "There are %(count)d sub-buttons under %(where)s; WeChat allows at most"
                    " %(limit)d."
                )
                % {"count": len(subs), "where": place.describe(), "limit": MAX_SUB_BUTTONS},
                place,
                "sub_button",
            )
        for index, sub in enumerate(subs, start=1):
            self.sub_button(sub, position, index)

    def sub_button(self, button: Any, position: int, index: int) -> None:
        name = _text(button.get("name")) if isinstance(button, dict) else ""
        place = _Place(position, index, name)
        if not isinstance(button, dict):
            self.malformed(place)
            return
        self.name(button, place, limit=MAX_SUB_NAME_BYTES)
        if button.get("sub_button"):
            self.add(
                ProblemCode.NESTED_SUB_BUTTONS,
                _("Menus have two levels only: %(where)s cannot have sub-buttons of its own.")
                % {"where": place.describe()},
                place,
                "sub_button",
            )
        self.leaf(button, place)

    def malformed(self, place: _Place) -> None:
        self.add(
            ProblemCode.BUTTON_MALFORMED,
            _("The data of %(where)s is not a button: it should have a name and a type.")
            % {"where": place.describe()},
            place,
        )

    def name(self, button: dict[str, Any], place: _Place, *, limit: int) -> None:
        name = _text(button.get("name"))
        if not name:
            self.add(
                ProblemCode.NAME_MISSING,
                _("The name of %(where)s is missing.") % {"where": place.describe()},
                place,
                "name",
            )
            return
        length = byte_length(name)
        if length > limit:
            self.add(
                ProblemCode.NAME_TOO_LONG,
                _(
                    "The name of %(where)s is %(length)d bytes long, more than the %(limit)d"
                    " bytes WeChat allows (a Chinese character counts as 3 bytes)."
                )
                % {"where": place.describe(), "length": length, "limit": limit},
                place,
                "name",
            )

    def leaf(self, button: dict[str, Any], place: _Place) -> None:
        kind = _text(button.get("type"))
        if not kind:
            self.add(
                ProblemCode.TYPE_MISSING,
                _("The type of %(where)s is missing.") % {"where": place.describe()},
                place,
                "type",
            )
            return
        if kind not in BUTTON_TYPES:
            self.add(
                ProblemCode.TYPE_UNKNOWN,
                _("The type “%(type)s” of %(where)s is not a WeChat button type.")
                % {"type": kind, "where": place.describe()},
                place,
                "type",
            )
            return
        if kind in KEY_TYPES:
            self.key(button, place, kind)
        elif kind == "view":
            self.url(button, place)
        elif kind == "media_id":
            self.required(
                button,
                place,
                "media_id",
                ProblemCode.MEDIA_ID_MISSING,
                _("The media ID of %(where)s is missing; a button that sends media needs one."),
            )
        elif kind == "article_id":
            self.required(
                button,
                place,
                "article_id",
                ProblemCode.ARTICLE_ID_MISSING,
                _(
                    "The article ID of %(where)s is missing; a button that opens an article"
                    " needs one."
                ),
            )
        elif kind == "miniprogram":
            self.required(
                button,
                place,
                "appid",
                ProblemCode.MINIPROGRAM_APPID_MISSING,
                _("The mini program AppID of %(where)s is missing."),
            )
            self.required(
                button,
                place,
                "pagepath",
                ProblemCode.MINIPROGRAM_PAGEPATH_MISSING,
                _("The mini program page of %(where)s is missing."),
            )
            # WeChat opens the URL on clients that cannot run mini programs.
            self.url(button, place)

    def required(
        self, button: dict[str, Any], place: _Place, field: str, code: str, message: Any
    ) -> None:
        value = _text(button.get(field))
        if not value:
            self.add(code, message % {"where": place.describe()}, place, field)
        elif len(value) > FIELD_MAX_LENGTHS[field]:
            self.add(
                ProblemCode.FIELD_TOO_LONG,
                _("The “%(field)s” of %(where)s is longer than %(limit)d characters.")
                % {"field": field, "where": place.describe(), "limit": FIELD_MAX_LENGTHS[field]},
                place,
                field,
            )

    def key(self, button: dict[str, Any], place: _Place, kind: str) -> None:
        key = _text(button.get("key"))
        if not key:
            self.add(
                ProblemCode.KEY_MISSING,
                _("The key of %(where)s is missing; a “%(type)s” button needs one.")
                % {"where": place.describe(), "type": kind},
                place,
                "key",
            )
            return
        length = byte_length(key)
        if length > MAX_KEY_BYTES:
            self.add(
                ProblemCode.KEY_TOO_LONG,
                _(
                    "The key of %(where)s is %(length)d bytes long, more than the %(limit)d"
                    " bytes WeChat allows."
                )
                % {"where": place.describe(), "length": length, "limit": MAX_KEY_BYTES},
                place,
                "key",
            )
        first = self.keys.setdefault(key, place)
        if first is not place:
            self.add(
                ProblemCode.KEY_DUPLICATE,
                _(
                    "The key “%(key)s” of %(where)s is already used by %(other)s; each key may"
                    " be used once in a menu."
                )
                % {"key": key, "where": place.describe(), "other": first.describe()},
                place,
                "key",
            )

    def url(self, button: dict[str, Any], place: _Place) -> None:
        url = _text(button.get("url"))
        if not url:
            self.add(
                ProblemCode.URL_MISSING,
                _("The URL of %(where)s is missing.") % {"where": place.describe()},
                place,
                "url",
            )
            return
        length = byte_length(url)
        if length > MAX_URL_BYTES:
            self.add(
                ProblemCode.URL_TOO_LONG,
                _(
                    "The URL of %(where)s is %(length)d bytes long, more than the %(limit)d"
                    " bytes WeChat allows."
                )
                % {"where": place.describe(), "length": length, "limit": MAX_URL_BYTES},
                place,
                "url",
            )
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
        except ValueError:  # an invalid IPv6 literal or port
            parts, host = None, ""
        if parts is None or parts.scheme.lower() not in ("http", "https") or not host:
            self.add(
                ProblemCode.URL_NOT_WEB,
                _("The URL of %(where)s must be a web address starting with http:// or https://.")
                % {"where": place.describe()},
                place,
                "url",
            )
            return
        if self.allowed and not _host_allowed(host, self.allowed):
            self.add(
                ProblemCode.URL_DOMAIN_NOT_ALLOWED,
                _(
                    "The URL of %(where)s leads to %(host)s, which is not one of the account's"
                    " allowed domains (%(domains)s)."
                )
                % {
                    "where": place.describe(),
                    "host": host,
                    "domains": ", ".join(self.allowed),
                },
                place,
                "url",
            )

    # --- conditional menus -------------------------------------------------------------------
    def match_rule(self, rule: Any, has_published_default: bool | None) -> None:
        if has_published_default is False:
            self.add(
                ProblemCode.NO_DEFAULT_MENU,
                _(
                    "Publish a default menu first: WeChat shows a conditional menu only to"
                    " accounts that have a default menu."
                ),
                field="matchrule",
            )
        rule = rule if isinstance(rule, dict) else {}
        for field in sorted(rule):
            if field not in MATCH_RULE_FIELDS and rule[field] not in (None, ""):
                self.add(
                    ProblemCode.MATCH_RULE_UNSUPPORTED,
                    _(
                        "The match rule “%(field)s” is not supported: a conditional menu is"
                        " matched by tag, by client platform or by both."
                    )
                    % {"field": field},
                    field="matchrule",
                )
        tag = _text(rule.get("tag_id"))
        platform = _text(rule.get("client_platform_type"))
        if tag and not tag.isdigit():
            self.add(
                ProblemCode.TAG_INVALID,
                _("The tag “%(tag)s” of the match rule is not a WeChat tag ID.") % {"tag": tag},
                field="matchrule.tag_id",
            )
        if platform and platform not in CLIENT_PLATFORM_TYPES:
            self.add(
                ProblemCode.PLATFORM_INVALID,
                _(
                    "The client platform “%(platform)s” of the match rule is not valid: use 1"
                    " for iOS, 2 for Android or 3 for other systems."
                )
                % {"platform": platform},
                field="matchrule.client_platform_type",
            )
        if not tag and not platform:
            self.add(
                ProblemCode.MATCH_RULE_MISSING,
                _("A conditional menu needs a match rule: a tag, a client platform or both."),
                field="matchrule",
            )


def check_menu(
    menu_structure: Any,
    *,
    allowed_domains: Iterable[str] | None = None,
    has_published_default: bool | None = None,
) -> list[MenuProblem]:
    """Every rule of WeChat's the menu breaks, in the active language; empty when it is valid.

    A structure with a "matchrule" is a conditional menu. `allowed_domains`: when given and not
    empty, view URLs must lead to one of them (or a subdomain). `has_published_default`: whether
    the account has a published default menu (None = unknown, not checked; a draft may be saved
    before, but published only after).
    """
    checker = _Checker(allowed_domains)
    if not isinstance(menu_structure, dict) or not isinstance(menu_structure.get("button"), list):
        checker.add(
            ProblemCode.NOT_A_MENU,
            _("A menu is an object with its list of buttons under “button”."),
        )
        return checker.problems
    buttons = menu_structure["button"]
    if not buttons:
        checker.add(
            ProblemCode.NO_BUTTONS,
            _("A menu needs at least one button."),
            field="button",
        )
    elif len(buttons) > MAX_TOP_BUTTONS:
        checker.add(
            ProblemCode.TOO_MANY_BUTTONS,
            _("The menu has %(count)d buttons; WeChat allows at most %(limit)d.")
            % {"count": len(buttons), "limit": MAX_TOP_BUTTONS},
            field="button",
        )
    for position, button in enumerate(buttons, start=1):
        checker.top_button(button, position)
    if "matchrule" in menu_structure:
        checker.match_rule(menu_structure["matchrule"], has_published_default)
    return checker.problems
