"""Per-citizen rate limit of record queries: at most RECORDS_RATE_LIMIT queries (default 10) per
RECORDS_RATE_WINDOW_SECONDS (default 60) for one openid of one account.

With REDIS_URL the counter is a cache key per window (Redis INCR is atomic across processes);
otherwise one database row per citizen, updated under a row lock. Either way every web process
and machine shares it. A refused query does not count.
"""

from __future__ import annotations

import hashlib
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import RateWindow


def limit() -> int:
    return int(getattr(settings, "RECORDS_RATE_LIMIT", 10))


def window_seconds() -> int:
    return int(getattr(settings, "RECORDS_RATE_WINDOW_SECONDS", 60))


def take(*, account_id: int, openid: str, now: datetime | None = None) -> int:
    """Count one query: 0 when allowed, else the whole seconds until the window ends."""
    if getattr(settings, "REDIS_URL", ""):
        return _take_cache(account_id=account_id, openid=openid)
    return _take_db(account_id=account_id, openid=openid, now=now or timezone.now())


def _take_cache(*, account_id: int, openid: str) -> int:
    window = window_seconds()
    now = time.time()
    bucket = int(now // window)
    who = hashlib.sha256(openid.encode()).hexdigest()[:32]
    key = f"records:rate:{account_id}:{who}:{bucket}"
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 5)
        count = 1
    if count <= limit():
        return 0
    cache.decr(key)  # a refused query does not count
    return max(1, int(window - now % window))


def _take_db(*, account_id: int, openid: str, now: datetime) -> int:
    window = timedelta(seconds=window_seconds())
    with transaction.atomic():
        row = (
            RateWindow.objects.select_for_update()
            .filter(account_id=account_id, openid=openid)
            .first()
        )
        if row is None:
            try:
                with transaction.atomic():
                    RateWindow.objects.create(
                        account_id=account_id, openid=openid, window_start=now, count=1
                    )
                return 0
            except IntegrityError:  # another process created it just now
                row = RateWindow.objects.select_for_update().get(
                    account_id=account_id, openid=openid
                )
        if now - row.window_start >= window:
            row.window_start, row.count = now, 1
            row.save(update_fields=["window_start", "count"])
            return 0
        if row.count < limit():
            row.count += 1
            row.save(update_fields=["count"])
            return 0
        return max(1, int((row.window_start + window - now).total_seconds() + 0.999))
