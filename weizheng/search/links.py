"""Links to the H5 search page, absolute for WeChat replies.

A news reply needs an absolute URL and the callback has no request to build one from, so the
public address of the deployment comes from the settings: `PUBLIC_BASE_URL` (environment
`WEIZHENG_PUBLIC_BASE_URL`, e.g. https://wx.pingan.gov.cn). Unset, replies list the titles as text.
"""

from __future__ import annotations

import os
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse


def public_base_url() -> str:
    """The deployment's public address without a trailing slash, or "" when not configured."""
    configured = getattr(settings, "PUBLIC_BASE_URL", None)
    if configured is None:
        # Until the setting lives in weizheng/settings/base.py, read its variable here.
        configured = os.environ.get("WEIZHENG_PUBLIC_BASE_URL", "")
    return str(configured or "").rstrip("/")


def search_path(account_slug: str, query: str = "", **filters: str) -> str:
    path = reverse("search:page", kwargs={"account_slug": account_slug})
    params = {"q": query, **{name: value for name, value in filters.items() if value}}
    return f"{path}?{urlencode(params)}" if query or filters else path


def absolute_search_url(account_slug: str, query: str) -> str:
    """The search page's absolute URL for a query, or "" without a public address."""
    base = public_base_url()
    return base + search_path(account_slug, query) if base else ""
