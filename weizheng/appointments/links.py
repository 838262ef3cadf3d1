"""Links to the booking pages, absolute for WeChat replies and notifications.

The callback and the reminder command have no request to build a URL from: the public address
is settings.PUBLIC_BASE_URL (WEIZHENG_PUBLIC_BASE_URL). Unset, the path alone is given.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.urls import NoReverseMatch, reverse


def absolute(path: str) -> str:
    return str(getattr(settings, "PUBLIC_BASE_URL", "") or "").rstrip("/") + path


def index_path(account_slug: str) -> str:
    return reverse("appointments:index", kwargs={"account_slug": account_slug})


def window_path(account_slug: str, window_id: int) -> str:
    return reverse(
        "appointments:window", kwargs={"account_slug": account_slug, "window_id": window_id}
    )


def mine_path(account_slug: str) -> str:
    return reverse("appointments:mine", kwargs={"account_slug": account_slug})


def booking_path(account_slug: str, code: str) -> str:
    return reverse("appointments:booking", kwargs={"account_slug": account_slug, "code": code})


def binding_path(account_slug: str, *, next_path: str = "") -> str:
    """The identity app's binding page, coming back to `next_path` once bound."""
    try:
        path = reverse("identity:start", kwargs={"account_slug": account_slug})
    except NoReverseMatch:  # pragma: no cover - identity is always installed
        path = f"/h5/{account_slug}/id/"
    return f"{path}?{urlencode({'next': next_path})}" if next_path else path


def guide_actions(guide: Any) -> list[Any]:
    """预约 on a service guide's page when a bookable window serves it: straight to the window's
    days when one does, to the list of windows when several do (registered with
    eservices.guide_actions in AppointmentsConfig.ready)."""
    from django.utils.translation import gettext as _

    from weizheng.eservices.guide_actions import GuideAction

    from .selectors import windows_for_guide

    windows = list(windows_for_guide(guide=guide)[:2])
    if not windows:
        return []
    slug = guide.account.slug
    url = window_path(slug, windows[0].pk) if len(windows) == 1 else index_path(slug)
    return [GuideAction(code="book-appointment", label=_("Book an appointment"), url=url)]
