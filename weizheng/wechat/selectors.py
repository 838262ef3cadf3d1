"""Reads for the wechat app."""

from __future__ import annotations

import time

from .models import OfficialAccount

_ACCOUNT_TTL_SECONDS = 5.0
_account_cache: dict[str, tuple[float, OfficialAccount | None]] = {}


def get_account_for_callback(slug: str) -> OfficialAccount | None:
    """The active account behind /wx/<slug>/, cached in-process for a few seconds.

    The callback reads it thousands of times a second; an edit in the back office takes effect
    within the TTL. Correctness does not depend on this cache (it only holds configuration).
    """
    now = time.monotonic()
    hit = _account_cache.get(slug)
    if hit is not None and hit[0] > now:
        return hit[1]
    account = OfficialAccount.objects.filter(slug=slug, is_active=True).first()
    _account_cache[slug] = (now + _ACCOUNT_TTL_SECONDS, account)
    return account


def clear_account_cache() -> None:
    _account_cache.clear()
