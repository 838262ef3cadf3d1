"""Token buckets per account and WeChat API: at most `rate` calls a second with bursts of
`burst`. In the database by default (one row per bucket, updated under a row lock, so every
process and machine shares it); in Redis when REDIS_URL is set (one Lua call)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import RateBucket


def limits(api: str) -> tuple[float, float]:
    """(tokens a second, bucket size) for an API."""
    rate = settings.NOTIFICATIONS_RATE_PER_SECOND
    burst = settings.NOTIFICATIONS_RATE_BURST
    override = settings.NOTIFICATIONS_RATE_OVERRIDES.get(api)
    if override:
        rate, burst = override
    return float(rate), float(burst)


def take(*, account_id: int, api: str, now: datetime | None = None) -> float:
    """Take one token: 0.0 when taken, else the seconds until one is available."""
    if settings.REDIS_URL:
        return _take_redis(account_id=account_id, api=api)
    return _take_db(account_id=account_id, api=api, now=now or timezone.now())


def _take_db(*, account_id: int, api: str, now: datetime) -> float:
    rate, burst = limits(api)
    with transaction.atomic():
        bucket = (
            RateBucket.objects.select_for_update().filter(account_id=account_id, api=api).first()
        )
        if bucket is None:
            try:
                with transaction.atomic():
                    bucket = RateBucket.objects.create(
                        account_id=account_id, api=api, tokens=burst, refilled_at=now
                    )
            except IntegrityError:  # created by another process just now
                bucket = RateBucket.objects.select_for_update().get(account_id=account_id, api=api)
        elapsed = max(0.0, (now - bucket.refilled_at).total_seconds())
        tokens = min(burst, bucket.tokens + elapsed * rate)
        if tokens >= 1.0:
            bucket.tokens, bucket.refilled_at = tokens - 1.0, now
            bucket.save(update_fields=["tokens", "refilled_at"])
            return 0.0
        bucket.tokens, bucket.refilled_at = tokens, now
        bucket.save(update_fields=["tokens", "refilled_at"])
        return (1.0 - tokens) / rate


# KEYS[1] bucket; ARGV: rate, burst, now (seconds, float). Returns the wait in milliseconds.
_LUA = """
local rate = tonumber(ARGV[1]); local burst = tonumber(ARGV[2]); local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', now)
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 60)
return math.ceil(wait * 1000)
"""
_script = None


def _take_redis(*, account_id: int, api: str) -> float:
    import time

    import redis

    global _script
    if _script is None:
        client = redis.Redis.from_url(settings.REDIS_URL or "")
        _script = client.register_script(_LUA)
    rate, burst = limits(api)
    wait_ms = _script(keys=[f"weizheng:bucket:{account_id}:{api}"], args=[rate, burst, time.time()])
    return int(wait_ms) / 1000.0
