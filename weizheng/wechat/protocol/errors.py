"""Errors raised while checking, decrypting and parsing WeChat callback requests.

Each error carries a short machine ``reason`` (for logs and metrics) and the HTTP ``status`` the
gateway should answer with, so the view maps errors to responses without a lookup table.
"""

from __future__ import annotations


class ProtocolError(Exception):
    """A request that breaks the WeChat callback protocol."""

    status: int = 400
    default_reason: str = "protocol_error"

    def __init__(self, reason: str | None = None, detail: str = "") -> None:
        self.reason: str = reason or self.default_reason
        self.detail = detail
        super().__init__(f"{self.reason}: {detail}" if detail else self.reason)


class SignatureError(ProtocolError):
    """``signature`` or ``msg_signature`` is missing or wrong."""

    status = 403
    default_reason = "bad_signature"


class DecryptError(ProtocolError):
    """The ``Encrypt`` payload cannot be decrypted or belongs to another account."""

    status = 400
    default_reason = "bad_padding"


class XMLError(ProtocolError):
    """The body is not acceptable WeChat XML, or a field is missing or malformed."""

    status = 400
    default_reason = "malformed_xml"


class TooLargeError(ProtocolError):
    """The body exceeds the size limit."""

    status = 413
    default_reason = "too_large"
