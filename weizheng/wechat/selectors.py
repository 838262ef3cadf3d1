"""Reads for the wechat app."""

from __future__ import annotations

import time
from typing import Any

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


def qrcodes_with_counts(*, account: OfficialAccount) -> list[dict[str, Any]]:
    """The account's QR codes with how many follows and scans each brought (interaction log)."""
    from django.db.models import Count

    from .models import InboundMessage, QrCode

    codes = list(QrCode.objects.filter(account=account))
    keys = [f"qrscene_{c.scene}" for c in codes] + [c.scene for c in codes]
    counted = (
        InboundMessage.objects.filter(
            account=account, kind__in=("event:subscribe", "event:scan"), event_key__in=keys
        )
        .values("kind", "event_key")
        .annotate(n=Count("pk"))
    )
    follows: dict[str, int] = {}
    scans: dict[str, int] = {}
    for row in counted:
        if row["kind"] == "event:subscribe":
            scene = row["event_key"].removeprefix("qrscene_")
            follows[scene] = follows.get(scene, 0) + row["n"]
        else:
            scans[row["event_key"]] = scans.get(row["event_key"], 0) + row["n"]
    return [
        {"code": c, "follows": follows.get(c.scene, 0), "scans": scans.get(c.scene, 0)}
        for c in codes
    ]
