"""The back-office menu editor's form: up to 3 buttons of up to 5 sub-buttons each, as fixed
slots, turned into WeChat's menu JSON for the actions; their problems are put back on the slot
fields they concern.

The slots work without JavaScript (every slot shown, empty ones ignored); the editor's script
only shows the used ones, adds, moves and removes them, and draws the phone preview.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from weizheng.followers.models import FollowerTag
from weizheng.wechat.models import OfficialAccount

from .models import PLATFORM_TO_WECHAT, ButtonType, ClientPlatform, Menu
from .selectors import TYPE_FIELDS, menu_structure, menu_tags
from .validation import (
    MAX_KEY_BYTES,
    MAX_SUB_BUTTONS,
    MAX_SUB_NAME_BYTES,
    MAX_TOP_BUTTONS,
    MAX_TOP_NAME_BYTES,
    MAX_URL_BYTES,
)

# The fields of a button slot besides its name and type, in the order the editor shows them.
VALUE_FIELDS = ("key", "url", "media_id", "article_id", "appid", "pagepath")
SLOT_FIELDS = ("name", "type", *VALUE_FIELDS)
# Generous bounds that only keep runaway input out; WeChat's limits (in bytes) are checked by
# validation.check_menu, which says which rule is broken.
FIELD_BOUNDS = {"name": 200, "key": 512, "url": 4096}
DEFAULT_FIELD_BOUND = 2048
BYTE_LIMITS = {"key": MAX_KEY_BYTES, "url": MAX_URL_BYTES}

FIELD_LABELS = {
    "name": _("Name"),
    "type": _("When pressed"),
    "key": _("Key"),
    "url": _("Web address"),
    "media_id": _("Media ID"),
    "article_id": _("Article ID"),
    "appid": _("Mini program AppID"),
    "pagepath": _("Mini program page"),
}

KIND_DEFAULT = "default"
KIND_CONDITIONAL = "conditional"


def slot_prefix(button: int, sub_button: int | None = None) -> str:
    """The name prefix of a slot's fields: "b2" for button 2, "b2s3" for its sub-button 3."""
    return f"b{button}" if sub_button is None else f"b{button}s{sub_button}"


@dataclass(frozen=True, slots=True)
class SlotFields:
    """The bound fields of one slot, for the template."""

    prefix: str
    button: int
    sub_button: int | None
    fields: dict[str, forms.BoundField]
    subs: tuple[SlotFields, ...] = ()

    @property
    def name(self) -> forms.BoundField:
        return self.fields["name"]

    @property
    def type(self) -> forms.BoundField:
        return self.fields["type"]

    @property
    def name_limit(self) -> int:
        return MAX_TOP_NAME_BYTES if self.sub_button is None else MAX_SUB_NAME_BYTES

    @property
    def values(self) -> list[tuple[str, forms.BoundField, int | None]]:
        """(field, bound field, byte limit WeChat sets or None) of the type-dependent fields."""
        return [(field, self.fields[field], BYTE_LIMITS.get(field)) for field in VALUE_FIELDS]


class MenuForm(forms.Form):
    """The editor. `structure()` gives WeChat's JSON; `add_problems()` places check_menu's
    problems on the fields they name."""

    name = forms.CharField(label=_("Menu name"), max_length=100, help_text=_("Only staff see it."))
    kind = forms.ChoiceField(
        label=_("Shown to"),
        choices=[
            (KIND_DEFAULT, _("Everyone (the default menu)")),
            (KIND_CONDITIONAL, _("Only the followers of a tag or phone system (conditional)")),
        ],
        initial=KIND_DEFAULT,
        widget=forms.RadioSelect,
    )
    tag = forms.ModelChoiceField(
        label=_("Tag"),
        queryset=FollowerTag.objects.none(),
        required=False,
        help_text=_("Only tags already synchronised with WeChat can be chosen."),
    )
    client_platform = forms.ChoiceField(
        label=_("Phone system"),
        choices=[("", _("Any")), *ClientPlatform.choices],
        required=False,
    )

    def __init__(self, *args: Any, account: OfficialAccount, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account = account
        self.fields["tag"].queryset = menu_tags(account=account)
        for button in range(1, MAX_TOP_BUTTONS + 1):
            self._add_slot(slot_prefix(button), top=True)
            for sub in range(1, MAX_SUB_BUTTONS + 1):
                self._add_slot(slot_prefix(button, sub), top=False)

    def _add_slot(self, prefix: str, *, top: bool) -> None:
        for field in SLOT_FIELDS:
            label = FIELD_LABELS[field]
            if field == "type":
                self.fields[f"{prefix}-type"] = forms.ChoiceField(
                    label=label,
                    choices=ButtonType.choices,
                    required=False,
                    initial=ButtonType.CLICK,
                )
            else:
                bound = FIELD_BOUNDS.get(field, DEFAULT_FIELD_BOUND)
                self.fields[f"{prefix}-{field}"] = forms.CharField(
                    label=label, required=False, max_length=bound, strip=True
                )

    # --- the template's view of the slots -------------------------------------------------------
    def slots(self) -> list[SlotFields]:
        def one(button: int, sub: int | None) -> SlotFields:
            prefix = slot_prefix(button, sub)
            fields = {field: self[f"{prefix}-{field}"] for field in SLOT_FIELDS}
            subs = (
                tuple(one(button, index) for index in range(1, MAX_SUB_BUTTONS + 1))
                if sub is None
                else ()
            )
            return SlotFields(prefix, button, sub, fields, subs)

        return [one(button, None) for button in range(1, MAX_TOP_BUTTONS + 1)]

    @property
    def menu_fields(self) -> list[forms.BoundField]:
        return [self["name"], self["kind"], self["tag"], self["client_platform"]]

    # --- from the slots to WeChat's JSON ------------------------------------------------------
    def _slot(self, prefix: str) -> dict[str, str]:
        data = self.cleaned_data
        return {field: (data.get(f"{prefix}-{field}") or "").strip() for field in SLOT_FIELDS}

    @staticmethod
    def _is_empty(slot: dict[str, str]) -> bool:
        # The type alone does not make a button: a fresh slot has one preselected.
        return not any(slot[field] for field in ("name", *VALUE_FIELDS))

    @staticmethod
    def _leaf(slot: dict[str, str]) -> dict[str, Any]:
        data: dict[str, Any] = {"type": slot["type"], "name": slot["name"]}
        # Only the fields the type uses: what the editor hid for another type is not sent.
        for field in TYPE_FIELDS.get(slot["type"], ()):
            data[field] = slot[field]
        return data

    def structure(self) -> dict[str, Any]:
        """The menu in WeChat's JSON, empty slots left out; with a "matchrule" when conditional.

        `self.places` maps each button's position in the JSON ((button, sub_button), 1-based)
        to its slot prefix, so that a problem can be put on the slot it came from.
        """
        buttons: list[dict[str, Any]] = []
        self.places: dict[tuple[int, int | None], str] = {}
        for button in range(1, MAX_TOP_BUTTONS + 1):
            top = self._slot(slot_prefix(button))
            subs = []
            for index in range(1, MAX_SUB_BUTTONS + 1):
                sub = self._slot(slot_prefix(button, index))
                if not self._is_empty(sub):
                    subs.append((slot_prefix(button, index), sub))
            if self._is_empty(top) and not subs:
                continue
            position = len(buttons) + 1
            self.places[(position, None)] = slot_prefix(button)
            if subs:
                # A button with sub-buttons only opens them: the editor hides its own type.
                buttons.append(
                    {"name": top["name"], "sub_button": [self._leaf(sub) for _p, sub in subs]}
                )
                for sub_position, (prefix, _sub) in enumerate(subs, start=1):
                    self.places[(position, sub_position)] = prefix
            else:
                buttons.append(self._leaf(top))
        structure: dict[str, Any] = {"button": buttons}
        if self.cleaned_data.get("kind") == KIND_CONDITIONAL:
            rule: dict[str, str] = {}
            tag = self.cleaned_data.get("tag")
            if tag is not None and tag.wechat_id is not None:
                rule["tag_id"] = str(tag.wechat_id)
            platform = self.cleaned_data.get("client_platform")
            if platform:
                rule["client_platform_type"] = PLATFORM_TO_WECHAT[platform]
            structure["matchrule"] = rule
        return structure

    # --- problems back onto the fields --------------------------------------------------------
    def problem_field(self, problem: dict[str, Any]) -> str | None:
        """The form field a problem (MenuProblem.as_dict()) concerns; None for the whole menu."""
        field = problem.get("field") or ""
        if field.startswith("matchrule"):
            return "client_platform" if field.endswith("client_platform_type") else "tag"
        button = problem.get("button")
        if button is None:
            return None
        prefix = getattr(self, "places", {}).get((button, problem.get("sub_button")))
        if prefix is None:
            return None
        if field not in SLOT_FIELDS:
            field = "name"  # a malformed button or too many sub-buttons: said at its name
        return f"{prefix}-{field}"

    def add_problems(self, problems: list[dict[str, Any]]) -> None:
        for problem in problems:
            self.add_error(self.problem_field(problem), problem["message"])

    def problems_by_field(self, problems: list[dict[str, Any]]) -> dict[str, list[str]]:
        """The editor's live check: messages per field name ("" for the whole menu)."""
        placed: dict[str, list[str]] = {}
        for problem in problems:
            placed.setdefault(self.problem_field(problem) or "", []).append(problem["message"])
        return placed


def initial_from_menu(menu: Menu, *, name: str | None = None) -> dict[str, Any]:
    """The editor's initial values for a stored menu (its copy, when `name` is given)."""
    initial: dict[str, Any] = {
        "name": menu.name if name is None else name,
        "kind": KIND_CONDITIONAL if menu.is_conditional else KIND_DEFAULT,
        "tag": menu.tag_id,
        "client_platform": menu.client_platform,
    }
    structure = menu_structure(menu=menu)
    for button, top in enumerate(structure["button"], start=1):
        _fill(initial, slot_prefix(button), top)
        for sub, child in enumerate(top.get("sub_button") or [], start=1):
            _fill(initial, slot_prefix(button, sub), child)
    return initial


def _fill(initial: dict[str, Any], prefix: str, button: dict[str, Any]) -> None:
    for field in SLOT_FIELDS:
        value = button.get(field)
        if value:
            initial[f"{prefix}-{field}"] = value
