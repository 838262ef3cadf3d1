"""What each app holds about a citizen, for the "My data" page (我的数据) and the unbind page.

Identity shows the sections without importing the apps: each app that keeps personal data says
what it holds in its own `personal_data.py`, discovered at start-up (IdentityConfig.ready)::

    from weizheng.identity.personal_data import Row, register

    def _bookings(account, openid):
        return [Row(label=..., value=..., url=...) for b in ...]

    register("appointments.bookings", _("Bookings"), _bookings, order=30,
             in_progress=_upcoming, after_unbinding=_("Bookings are kept..."))

A provider gets the account and the citizen's own openid and returns rows that are already
masked: it reads no more than the page shows (never decrypts a field the page does not need).
`in_progress` (optional) lists what is still under way (upcoming bookings, open applications),
shown on the unbind page with `after_unbinding`, the honest sentence on what happens to them.
`on_unbind` (optional) is called as on_unbind(binding=, actor=, ip_address=) inside the
transaction that ends a binding (e.g. appointments cancel the upcoming bookings made under it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Row:
    label: str | Promise
    value: str | Promise = ""
    url: str = ""


Provider = Callable[[Any, str], list[Row]]


@dataclass(frozen=True)
class Section:
    key: str
    label: str | Promise
    provider: Provider
    order: int = 100
    in_progress: Provider | None = None
    after_unbinding: str | Promise = ""
    on_unbind: Callable[..., Any] | None = None


@dataclass(frozen=True)
class Filled:
    """A section with its rows for one citizen (`failed`: the provider raised)."""

    section: Section
    rows: list[Row] = field(default_factory=list)
    failed: bool = False

    @property
    def key(self) -> str:
        return self.section.key

    @property
    def label(self) -> str | Promise:
        return self.section.label

    @property
    def after_unbinding(self) -> str | Promise:
        return self.section.after_unbinding


_sections: dict[str, Section] = {}


def register(
    key: str,
    label: str | Promise,
    provider: Provider,
    *,
    order: int = 100,
    in_progress: Provider | None = None,
    after_unbinding: str | Promise = "",
    on_unbind: Callable[..., Any] | None = None,
) -> Section:
    """Add (or replace, for the same key) a section of the "My data" page."""
    section = Section(key, label, provider, order, in_progress, after_unbinding, on_unbind)
    _sections[key] = section
    return section


def sections() -> list[Section]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def _fill(section: Section, provider: Provider, account: Any, openid: str) -> Filled:
    try:
        return Filled(section, list(provider(account, openid)))
    except Exception:
        # One app's bug must not hide the rest of what is held.
        logger.exception("Personal data section %s failed", section.key)
        return Filled(section, failed=True)


def held_about(*, account: Any, openid: str) -> list[Filled]:
    """Every registered section with the citizen's rows (their own openid only)."""
    if not openid:
        return []
    return [_fill(s, s.provider, account, openid) for s in sections()]


def in_progress_for(*, account: Any, openid: str) -> list[Filled]:
    """What is still under way for the citizen, by section (only sections with rows)."""
    if not openid:
        return []
    filled = [
        _fill(s, s.in_progress, account, openid) for s in sections() if s.in_progress is not None
    ]
    return [f for f in filled if f.rows or f.failed]


def run_unbind_hooks(*, binding: Any, actor: Any = None, ip_address: str | None = None) -> None:
    """Tell every app that a binding ends (called by identity.actions.do_unbind in its
    transaction: an app that fails makes the unbinding fail, nothing half-done)."""
    for section in sections():
        if section.on_unbind is not None:
            section.on_unbind(binding=binding, actor=actor, ip_address=ip_address)
