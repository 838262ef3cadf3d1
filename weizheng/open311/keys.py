"""API keys: made from 32 random bytes, stored as their SHA-256 only."""

from __future__ import annotations

import hashlib
import secrets

KEY_PREFIX = "o311_"


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()
