"""Links to the booking pages, absolute for WeChat replies and notifications.

The callback and the reminder command have no request to build a URL from: the public address
is settings.PUBLIC_BASE_URL (WEIZHENG_PUBLIC_BASE_URL). Unset, the path alone is given.
"""

from __future__ import annotations

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
