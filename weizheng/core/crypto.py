"""Encryption of personal data and secrets at rest.

AES-256-GCM with a key ring from settings.FIELD_ENCRYPTION_KEYS: the first key encrypts, every key
decrypts, so keys rotate by putting a new one first and re-saving rows (`manage.py rotate_keys`
comes with the production profile). A token is `v1:<key id>:<base64(nonce ‖ ciphertext)>`, where
the key id is the first 8 hex digits of the key's SHA-256, so a row names the key that sealed it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "v1"


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key."""


@lru_cache(maxsize=8)
def _keyring(keys: tuple[str, ...]) -> tuple[tuple[str, AESGCM], ...]:
    ring = []
    for encoded in keys:
        raw = base64.urlsafe_b64decode(encoded)
        if len(raw) != 32:
            raise ImproperlyConfigured("Each WEIZHENG_FIELD_KEYS entry must be 32 bytes in base64.")
        ring.append((hashlib.sha256(raw).hexdigest()[:8], AESGCM(raw)))
    if not ring:
        raise ImproperlyConfigured("WEIZHENG_FIELD_KEYS is empty: personal data cannot be stored.")
    return tuple(ring)


def keyring() -> tuple[tuple[str, AESGCM], ...]:
    return _keyring(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt_str(plaintext: str, *, context: str = "") -> str:
    """Seal a string; `context` (e.g. "wechat.appsecret") binds the value to its column."""
    key_id, aead = keyring()[0]
    nonce = os.urandom(12)
    sealed = aead.encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8"))
    return f"{PREFIX}:{key_id}:{base64.b64encode(nonce + sealed).decode('ascii')}"


def decrypt_str(token: str, *, context: str = "") -> str:
    try:
        prefix, key_id, payload = token.split(":", 2)
        blob = base64.b64decode(payload, validate=True)
    except ValueError as exc:
        raise DecryptionError("not an encrypted value") from exc
    if prefix != PREFIX or len(blob) < 13:
        raise DecryptionError("unknown format")
    for candidate_id, aead in keyring():
        if candidate_id != key_id:
            continue
        try:
            return aead.decrypt(blob[:12], blob[12:], context.encode("utf-8")).decode("utf-8")
        except InvalidTag as exc:
            raise DecryptionError("value was tampered with or sealed for another column") from exc
    raise DecryptionError(f"no configured key with id {key_id}")


def blind_index(value: str, *, context: str) -> str:
    """A keyed hash for exact look-ups of an encrypted value (64 hex digits).

    Normalise `value` first (upper-case an ID's X, strip spaces): equal inputs must hash equally.
    `context` ("identity.id_number") keeps one column's index useless for another column.
    """
    key = settings.FIELD_BLIND_INDEX_KEY
    if not key:
        raise ImproperlyConfigured("WEIZHENG_BLIND_INDEX_KEY is empty: look-ups cannot be indexed.")
    raw = base64.urlsafe_b64decode(key)
    if len(raw) < 32:
        raise ImproperlyConfigured("WEIZHENG_BLIND_INDEX_KEY must be at least 32 bytes in base64.")
    message = context.encode("utf-8") + b"\x00" + value.encode("utf-8")
    return hmac.new(raw, message, hashlib.sha256).hexdigest()


def generate_key() -> str:
    """A new key for WEIZHENG_FIELD_KEYS."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")
