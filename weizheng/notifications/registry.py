"""What notifications exist. Each module registers its kinds here (at import of its
`notifications.py`), with the variables a notification of that kind must carry and the text a
citizen reads in a customer-service message or an SMS. Which WeChat template carries it is set per
account in the back office (`NotificationTemplate`)."""

from __future__ import annotations

import string
from dataclasses import dataclass, field

from django.utils.functional import Promise


@dataclass(frozen=True)
class NotificationKind:
    code: str  # "eservices.status", "inquiries.reply", "alerts.emergency" ...
    label: str | Promise
    variables: tuple[str, ...]
    # The customer-service / SMS text, with {variable} placeholders.
    text: str | Promise
    # Emergency kinds take the priority lane and overtake everything queued.
    is_emergency: bool = False
    # A default link template (H5 page) with {variable} placeholders; may be empty.
    url: str = ""
    example: dict[str, str] = field(default_factory=dict)
    # What the citizen's own pages (我的数据) call it, when the office's label would not do.
    citizen_label: str | Promise = ""

    def missing(self, variables: dict[str, object]) -> list[str]:
        return [name for name in self.variables if str(variables.get(name, "")).strip() == ""]

    def render_text(self, variables: dict[str, object]) -> str:
        return _format(str(self.text), variables)

    def render_url(self, variables: dict[str, object]) -> str:
        return _format(self.url, variables) if self.url else ""


class _Safe(dict):
    def __missing__(self, key: str) -> str:
        return ""


def _format(template: str, variables: dict[str, object]) -> str:
    return string.Formatter().vformat(
        template, (), _Safe({k: str(v) for k, v in variables.items()})
    )


def placeholders(template: str) -> set[str]:
    """The {names} a template refers to."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


_kinds: dict[str, NotificationKind] = {}


def register(kind: NotificationKind) -> NotificationKind:
    unknown = placeholders(str(kind.text)) - set(kind.variables)
    if unknown:
        raise ValueError(f"{kind.code}: the text refers to undeclared variables {sorted(unknown)}")
    _kinds[kind.code] = kind
    return kind


def get(code: str) -> NotificationKind | None:
    return _kinds.get(code)


def all_kinds() -> list[NotificationKind]:
    return sorted(_kinds.values(), key=lambda k: k.code)
