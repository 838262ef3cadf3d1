"""The back office's one navigation. Each module adds its pages here (see CONTRIBUTING.md):
an entry is shown to a staff member only when one of their roles grants its permission."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Entry:
    key: str
    label: str | Promise
    url_name: str
    # Shown when the user holds this permission (any of them, for a tuple); None: every staff member.
    permission: str | tuple[str, ...] | None = None

    def allowed(self, permissions: frozenset[str]) -> bool:
        if self.permission is None:
            return True
        wanted = (self.permission,) if isinstance(self.permission, str) else self.permission
        return any(p in permissions for p in wanted)


@dataclass(frozen=True)
class Section:
    label: str | Promise
    entries: tuple[Entry, ...]


# Pages about one official account: the URL takes account_id. Modules to come (content,
# broadcasts, online services, payments, 问政, alerts, tips, analytics) add their sections here.
ACCOUNT_SECTIONS: tuple[Section, ...] = (
    Section(
        _("Channel"),
        (
            Entry("overview", _("Overview"), "staff:account", "account.view"),
            Entry("followers", _("Followers"), "office-followers:index", "followers.view"),
            Entry("menus", _("Menus"), "office-menus:index", ("menu.edit", "menu.publish")),
            Entry("replies", _("Auto-replies"), "office-replies:index", "replies.edit"),
            Entry("qrcodes", _("QR codes"), "office-qrcodes:index", "qrcodes.manage"),
            Entry("settings", _("Settings"), "staff:account-settings", "account.manage"),
            Entry("audit", _("Audit log"), "staff:account-audit", "audit.view"),
        ),
    ),
    Section(
        _("Publishing"),
        (
            Entry(
                "content",
                _("Policies and news"),
                "office-content:index",
                ("content.edit", "content.review", "content.approve"),
            ),
            Entry(
                "broadcasts",
                _("Broadcasts"),
                "office-broadcasts:index",
                ("broadcasts.edit", "broadcasts.review", "broadcasts.approve"),
            ),
            Entry(
                "notifications",
                _("Notifications"),
                "office-notifications:index",
                "notifications.view",
            ),
        ),
    ),
    Section(
        _("Online services"),
        (
            Entry(
                "guides",
                _("Service guides"),
                "office-eservices:guides",
                ("guides.edit", "guides.review", "guides.approve"),
            ),
            Entry(
                "applications",
                _("Applications"),
                "office-eservices:applications",
                ("cases.handle", "eservices.manage"),
            ),
            Entry(
                "appointments",
                _("Appointments"),
                "office-appointments:index",
                ("cases.handle", "eservices.manage"),
            ),
            Entry("records", _("Record queries"), "office-records:index", "records.configure"),
            Entry("bindings", _("Real-name bindings"), "office-identity:index", "identity.view"),
        ),
    ),
    Section(
        _("Payments"),
        (
            Entry("payments", _("Orders"), "office-payments:orders", "payments.view"),
            Entry(
                "reconciliation",
                _("Reconciliation"),
                "office-payments:reconciliation",
                "payments.view",
            ),
            Entry("billers", _("Billers"), "office-payments:billers", "payments.configure"),
        ),
    ),
    Section(
        _("Questions and complaints"),
        (
            Entry(
                "inquiries",
                _("Requests"),
                "office-inquiries:index",
                ("cases.handle", "inquiries.supervise"),
            ),
            Entry(
                "inquiry-figures",
                _("Figures"),
                "office-inquiries:figures",
                ("cases.handle", "inquiries.supervise", "analytics.view"),
            ),
            Entry(
                "inquiry-settings",
                _("Categories and routing"),
                "office-inquiries:settings",
                "inquiries.configure",
            ),
        ),
    ),
)

# Pages across accounts.
GLOBAL_ENTRIES: tuple[Entry, ...] = (
    Entry("home", _("Dashboard"), "staff:home"),
    Entry("audit-all", _("Audit log, all accounts"), "staff:audit", "audit.view"),
    Entry("security", _("Two-factor sign-in"), "staff:security"),
)


def _url(url_name: str, **kwargs: Any) -> str | None:
    try:
        return reverse(url_name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def account_navigation(
    *, permissions: frozenset[str], account_id: int, current: str
) -> list[dict[str, Any]]:
    """The account's sections with the entries this staff member may use."""
    sections = []
    for section in ACCOUNT_SECTIONS:
        items = []
        for entry in section.entries:
            if not entry.allowed(permissions):
                continue
            url = _url(entry.url_name, account_id=account_id)
            if url is None:
                continue
            items.append({"key": entry.key, "label": entry.label, "url": url, "active": False})
        if items:
            sections.append({"label": section.label, "items": items})
    # The entry whose URL is the longest prefix of the page, across all sections, is the page's.
    best = max(
        (i for section in sections for i in section["items"] if current.startswith(i["url"])),
        key=lambda i: len(i["url"]),
        default=None,
    )
    if best is not None:
        best["active"] = True
    return sections


def global_navigation(*, any_permissions: frozenset[str], current: str) -> list[dict[str, Any]]:
    items = []
    for entry in GLOBAL_ENTRIES:
        if not entry.allowed(any_permissions):
            continue
        url = _url(entry.url_name)
        if url is not None:
            items.append(
                {"key": entry.key, "label": entry.label, "url": url, "active": current == url}
            )
    return items
