"""The Redis fast path of the callback (WEIZHENG_REDIS_FAST_PATH=1 with REDIS_URL).

The claim — de-duplication and the replay check — is one Lua script in Redis instead of a
committed INSERT, and the reply is kept in Redis for retries; the interaction-log row is written
behind the answer, reply included, by the group-commit writer (one INSERT per message, batched). The
database's unique constraints stay as the backstop.

The trade: a message is "stored" in Redis when its handler runs, and reaches the database a few
milliseconds later. Redis should persist (appendonly) where that window matters; if Redis cannot be
reached, the callback falls back to the database path for that message.
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Any

from django.conf import settings

NEW, RETRY, CONFLICTING_BODY, REPLAYED_NONCE = 0, 1, 2, 3
# Longer than WeChat's retries (three attempts within ~15 s) and the timestamp window.
TTL_SECONDS = 900
POLL_SECONDS = 0.02

_CLAIM = """
local claimed = redis.call('GET', KEYS[1])
if claimed then
  if claimed == ARGV[1] then return 1 end
  return 2
end
local seen = redis.call('GET', KEYS[2])
if seen and seen ~= ARGV[1] then return 3 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])
return 0
"""


def is_enabled() -> bool:
    return bool(settings.WECHAT_REDIS_FAST_PATH and settings.REDIS_URL)


@lru_cache(maxsize=4)
def _client(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)


@lru_cache(maxsize=4)
def _script(url: str) -> Any:
    return _client(url).register_script(_CLAIM)


def _keys(account_id: int, dedupe_key: str) -> tuple[str, str]:
    return f"wz:wx:claim:{account_id}:{dedupe_key}", f"wz:wx:reply:{account_id}:{dedupe_key}"


def claim(*, account_id: int, dedupe_key: str, timestamp: int, nonce: str, digest: str) -> int:
    """NEW, RETRY, CONFLICTING_BODY or REPLAYED_NONCE; raises redis.RedisError when unreachable."""
    url = str(settings.REDIS_URL)
    claim_key, _reply_key = _keys(account_id, dedupe_key)
    nonce_key = f"wz:wx:nonce:{account_id}:{timestamp}:{nonce}"
    return int(_script(url)(keys=[claim_key, nonce_key], args=[digest, TTL_SECONDS]))


def store_reply(*, account_id: int, dedupe_key: str, status: str, body: str) -> None:
    _claim_key, reply_key = _keys(account_id, dedupe_key)
    _client(str(settings.REDIS_URL)).set(reply_key, f"{status}\n{body}", ex=TTL_SECONDS)


def wait_for_reply(*, account_id: int, dedupe_key: str, budget: float) -> tuple[str, str] | None:
    """(status, body) of the first attempt once stored, or None when the budget runs out."""
    _claim_key, reply_key = _keys(account_id, dedupe_key)
    client = _client(str(settings.REDIS_URL))
    deadline = time.monotonic() + budget
    while True:
        value = client.get(reply_key)
        if value is not None:
            status, _, body = value.decode("utf-8").partition("\n")
            return status, body
        if time.monotonic() >= deadline:
            return None
        time.sleep(POLL_SECONDS)
