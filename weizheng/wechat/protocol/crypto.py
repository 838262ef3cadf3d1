"""Callback signatures and the AES message encryption of WeChat's safe mode."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
from collections.abc import Mapping

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from .errors import DecryptError, SignatureError, XMLError
from .replies import cdata
from .xmlparse import parse_xml

__all__ = ["MessageCrypto", "check_signature", "sha1_signature"]

BLOCK_SIZE = 32  # WeChat pads to 32 bytes, not the AES block size of 16.
_LENGTH = struct.Struct(">I")


def sha1_signature(*parts: str) -> str:
    """Return the sha1 hex digest of the sorted, concatenated parts."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8"), usedforsecurity=False).hexdigest()


def _matches(expected: str, given: object) -> bool:
    if not isinstance(given, str) or not given:
        return False
    # compare_digest on bytes: a str with non-ASCII characters would raise TypeError.
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))


def _require(*values: object) -> None:
    if not all(isinstance(value, str) and value for value in values):
        raise SignatureError("bad_signature", "missing signature parameter")


def check_signature(token: str, timestamp: str, nonce: str, signature: str) -> None:
    """Check the ``signature`` query parameter every callback carries (GET and POST)."""
    _require(token, timestamp, nonce, signature)
    if not _matches(sha1_signature(token, timestamp, nonce), signature):
        raise SignatureError("bad_signature")


class MessageCrypto:
    """Encrypt and decrypt callback messages of one official account (safe/compatible mode)."""

    __slots__ = ("token", "appid", "key", "_appid_bytes", "_cipher")

    def __init__(self, token: str, encoding_aes_key: str, appid: str) -> None:
        try:
            key = base64.b64decode(encoding_aes_key + "=", validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("EncodingAESKey is not valid base64") from exc
        if len(key) != 32:
            raise ValueError("EncodingAESKey must decode to 32 bytes (43 characters)")
        if not token or not appid:
            raise ValueError("token and appid are required")
        self.token = token
        self.appid = appid
        self.key = key
        self._appid_bytes = appid.encode("utf-8")
        # A Cipher is reusable; each call takes a fresh encryptor/decryptor context from it.
        self._cipher = Cipher(algorithms.AES(key), modes.CBC(key[:16]))

    def __repr__(self) -> str:  # never show the key
        return f"MessageCrypto(appid={self.appid!r})"

    def decrypt(self, encrypt_b64: str | bytes) -> bytes:
        """Decrypt an ``Encrypt`` value and return the message bytes.

        Stricter than the SDKs: checks the padding, the length field and the appid. Call it only
        after verify_msg_signature, so forged ciphertexts never reach the padding check.
        """
        try:
            ciphertext = base64.b64decode(encrypt_b64, validate=True)
        except (binascii.Error, ValueError):
            raise DecryptError("bad_base64") from None
        if not ciphertext or len(ciphertext) % 16:
            raise DecryptError("bad_length", "ciphertext is not whole AES blocks")
        decryptor = self._cipher.decryptor()
        plain = decryptor.update(ciphertext) + decryptor.finalize()

        pad = plain[-1]
        if not 1 <= pad <= BLOCK_SIZE or pad > len(plain) or plain[-pad:] != bytes((pad,)) * pad:
            raise DecryptError("bad_padding")
        content = plain[16:-pad]
        if len(content) < 4:
            raise DecryptError("bad_length", "no length field")
        (length,) = _LENGTH.unpack_from(content)
        if length > len(content) - 4:
            raise DecryptError("bad_length", "length field exceeds the payload")
        if content[4 + length :] != self._appid_bytes:
            raise DecryptError("appid_mismatch")
        return content[4 : 4 + length]

    def encrypt(self, message: bytes | str, *, random16: bytes | None = None) -> str:
        """Encrypt a message: random16 ‖ uint32be length ‖ message ‖ appid, PKCS#7 to 32 bytes."""
        if isinstance(message, str):
            message = message.encode("utf-8")
        if random16 is None:
            random16 = os.urandom(16)
        elif len(random16) != 16:
            raise ValueError("random16 must be 16 bytes")
        plain = b"".join((random16, _LENGTH.pack(len(message)), message, self._appid_bytes))
        pad = BLOCK_SIZE - len(plain) % BLOCK_SIZE
        plain += bytes((pad,)) * pad
        encryptor = self._cipher.encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode("ascii")

    def verify_msg_signature(
        self, timestamp: str, nonce: str, encrypt: str, msg_signature: str
    ) -> None:
        """Check ``msg_signature`` = sha1 of sorted [token, timestamp, nonce, Encrypt]."""
        _require(timestamp, nonce, encrypt, msg_signature)
        expected = sha1_signature(self.token, timestamp, nonce, encrypt)
        if not _matches(expected, msg_signature):
            raise SignatureError("bad_signature", "msg_signature does not match")

    def decrypt_message(
        self,
        body: Mapping[str, object] | str | bytes,
        timestamp: str,
        nonce: str,
        msg_signature: str,
    ) -> bytes:
        """Verify ``msg_signature`` and decrypt the message.

        ``body`` is the parsed callback dict, the raw callback XML bytes, or the Encrypt string.
        """
        if isinstance(body, bytes):
            body = parse_xml(body)
        if isinstance(body, Mapping):
            encrypt = body.get("Encrypt")
            if not encrypt or not isinstance(encrypt, str):
                raise XMLError("missing_field", "Encrypt")
        else:
            encrypt = body
        self.verify_msg_signature(timestamp, nonce, encrypt, msg_signature)
        return self.decrypt(encrypt)

    def encrypt_reply(self, reply_xml: str | bytes, *, timestamp: str, nonce: str) -> str:
        """Wrap a rendered passive reply in the signed ``<Encrypt>`` envelope."""
        if not timestamp.isascii() or not timestamp.isdigit():
            raise ValueError("timestamp must be decimal digits")
        if not nonce:
            raise ValueError("nonce is required")
        encrypt = self.encrypt(reply_xml)
        signature = sha1_signature(self.token, timestamp, nonce, encrypt)
        return (
            f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt>"
            f"<MsgSignature><![CDATA[{signature}]]></MsgSignature>"
            f"<TimeStamp>{timestamp}</TimeStamp><Nonce>{cdata(nonce)}</Nonce></xml>"
        )
