"""Links to the records pages and to the binding page, absolute for WeChat replies.

WeChat replies need absolute URLs and the callback has no request to build one from: the public
address comes from PUBLIC_BASE_URL (WEIZHENG_PUBLIC_BASE_URL). Unset, replies carry the path.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.urls import NoReverseMatch, reverse


def public_base_url() -> str:
    return str(getattr(settings, "PUBLIC_BASE_URL", "") or "").rstrip("/")


def absolute(path: str) -> str:
    return public_base_url() + path


def index_path(account_slug: str) -> str:
    return reverse("records:index", kwargs={"account_slug": account_slug})


def query_path(account_slug: str, code: str, *, token: str = "") -> str:
    """The query page; with a token (actions.do_remember_params) it runs the remembered query.
    Never the parameters themselves: a plate in a URL ends up in access logs."""
    path = reverse("records:query", kwargs={"account_slug": account_slug, "code": code})
    return f"{path}?{urlencode({'t': token})}" if token else path


def link_cache_key(token: str) -> str:
    return f"records:link:{token}"


def binding_path(account_slug: str, *, next_path: str = "") -> str:
    """The identity app's binding page, coming back to `next_path` once bound."""
    try:
        path = reverse("identity:start", kwargs={"account_slug": account_slug})
    except NoReverseMatch:
        path = f"/h5/{account_slug}/id/"
    return f"{path}?{urlencode({'next': next_path})}" if next_path else path
