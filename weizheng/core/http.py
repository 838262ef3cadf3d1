"""Facts about the request every app records the same way."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def client_ip(request: Any) -> str | None:
    """The address of the person making the request, for the audit log.

    Behind a reverse proxy (WEIZHENG_BEHIND_PROXY) REMOTE_ADDR is the proxy's: the client is the
    entry of X-Forwarded-For that the last of our WEIZHENG_PROXY_COUNT proxies appended (entries
    further left are whatever the client chose to send)."""
    meta = getattr(request, "META", None) or {}
    if getattr(settings, "AXES_IPWARE_PROXY_COUNT", None):
        forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        count = settings.AXES_IPWARE_PROXY_COUNT
        if len(forwarded) >= count:
            return forwarded[-count]
    return meta.get("REMOTE_ADDR") or None
