"""QR tickets and images shaped like WeChat's."""

from __future__ import annotations

import base64
import io
import secrets
import struct
import time

import segno

_SHORT_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def new_qr_url() -> str:
    """`http://weixin.qq.com/q/02…`: what the QR image encodes (22 characters after /q/)."""
    short = "02" + "".join(secrets.choice(_SHORT_ALPHABET) for _ in range(20))
    return f"http://weixin.qq.com/q/{short}"


def new_ticket(url: str, expire_seconds: int | None) -> str:
    """A ticket laid out like WeChat's: base64 of a small binary record that embeds the URL,
    the creation time and the lifetime (so it starts with `gQ…` as real tickets do)."""
    raw_url = url.encode("ascii")
    record = (
        b"\x81\x01\x80\xf0<\x00\x00\x00\x00\x00\x00\x00\x00\x01"
        + bytes([len(raw_url)])
        + raw_url
        + b"\x00\x02\x04"
        + struct.pack("<I", int(time.time()) & 0xFFFFFFFF)
        + b"\x03\x04"
        + struct.pack("<I", expire_seconds or 0)
        + secrets.token_bytes(3)
    )
    return base64.b64encode(record).decode("ascii")


def png_for(text: str, *, scale: int = 10) -> bytes:
    """A PNG QR image encoding `text`."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
