"""WeChat Pay API v3 signatures and notify resources, without Django.

The notify check is our own code (not wechatpayv3's `callback`), so that it is strict where the
SDK is lenient: the serial must be the merchant's platform public key id, the timestamp within a
window, and every refusal says why. The mock WeChat Pay (weizheng/wechat_mock/pay.py) signs with
the same functions; tests sign independently with `cryptography` so the two check each other.

Wire facts (pay.weixin.qq.com/doc/v3/merchant/4012791861 and 4013053249):
- A signed message is ``"<timestamp>\\n<nonce>\\n<body>\\n"``; signature RSA PKCS#1 v1.5 SHA-256,
  base64, in ``Wechatpay-Signature``; with ``Wechatpay-Timestamp``, ``Wechatpay-Nonce``,
  ``Wechatpay-Serial`` (the platform certificate serial or ``PUB_KEY_ID_...``) and
  ``Wechatpay-Signature-Type: WECHATPAY2-SHA256-RSA2048``.
- A notify body: ``{"id", "create_time", "event_type", "resource_type": "encrypt-resource",
  "summary", "resource": {"algorithm": "AEAD_AES_256_GCM", "ciphertext", "nonce",
  "associated_data", "original_type"}}``; the key is the 32-byte APIv3 key, the nonce 12
  characters, the ciphertext base64 of ciphertext ‖ 16-byte tag.
- A merchant request carries ``Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",
  nonce_str="…",signature="…",timestamp="…",serial_no="…"`` signing
  ``"<METHOD>\\n<path?query>\\n<timestamp>\\n<nonce>\\n<body>\\n"``.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
TIMESTAMP_WINDOW_SECONDS = 300


class NotifyRejected(Exception):
    """A notify that must not be acted on; `reason` is a short code for the log."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


# --- keys -------------------------------------------------------------------------------------
def generate_private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_key_pem(private_pem: str) -> str:
    key = load_private_key(private_pem)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


def load_public_key(pem: str) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


# --- RSA signatures ---------------------------------------------------------------------------
def rsa_sign(private_pem: str, message: str) -> str:
    signature = load_private_key(private_pem).sign(
        message.encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    return base64.b64encode(signature).decode()


def rsa_verify(public_pem: str, message: str, signature: str) -> bool:
    try:
        raw = base64.b64decode(signature, validate=True)
        load_public_key(public_pem).verify(
            raw, message.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def signed_message(timestamp: str, nonce: str, body: str) -> str:
    return f"{timestamp}\n{nonce}\n{body}\n"


def platform_headers(*, private_pem: str, serial: str, body: str) -> dict[str, str]:
    """The headers WeChat Pay puts on an answer or a notify it signs."""
    timestamp = str(int(time.time()))
    nonce = secrets.token_hex(16)
    return {
        "Wechatpay-Timestamp": timestamp,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Serial": serial,
        "Wechatpay-Signature-Type": SIGNATURE_TYPE,
        "Wechatpay-Signature": rsa_sign(private_pem, signed_message(timestamp, nonce, body)),
    }


_AUTH_RE = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True, slots=True)
class Authorization:
    mchid: str
    nonce: str
    signature: str
    timestamp: str
    serial_no: str


def parse_authorization(header: str) -> Authorization | None:
    scheme, _, rest = header.partition(" ")
    if scheme != SIGNATURE_TYPE:
        return None
    fields = dict(_AUTH_RE.findall(rest))
    try:
        return Authorization(
            mchid=fields["mchid"],
            nonce=fields["nonce_str"],
            signature=fields["signature"],
            timestamp=fields["timestamp"],
            serial_no=fields["serial_no"],
        )
    except KeyError:
        return None


def request_message(method: str, target: str, timestamp: str, nonce: str, body: str) -> str:
    return f"{method}\n{target}\n{timestamp}\n{nonce}\n{body}\n"


# --- AES-256-GCM resources --------------------------------------------------------------------
def aes_encrypt(*, apiv3_key: str, plaintext: str, associated_data: str, nonce: str) -> str:
    sealed = AESGCM(apiv3_key.encode()).encrypt(
        nonce.encode(), plaintext.encode(), associated_data.encode()
    )
    return base64.b64encode(sealed).decode()


def aes_decrypt(*, apiv3_key: str, ciphertext: str, associated_data: str, nonce: str) -> str:
    try:
        raw = base64.b64decode(ciphertext, validate=True)
        return (
            AESGCM(apiv3_key.encode())
            .decrypt(nonce.encode(), raw, associated_data.encode())
            .decode()
        )
    except (InvalidTag, ValueError) as exc:
        raise NotifyRejected("decrypt_failed", "the resource does not decrypt") from exc


def encrypt_resource(*, apiv3_key: str, payload: Mapping[str, Any], original_type: str) -> dict:
    nonce = secrets.token_hex(6)  # 12 characters, as WeChat's
    associated_data = original_type
    return {
        "original_type": original_type,
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": aes_encrypt(
            apiv3_key=apiv3_key,
            plaintext=json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
            associated_data=associated_data,
            nonce=nonce,
        ),
        "associated_data": associated_data,
        "nonce": nonce,
    }


# --- notifies ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Notify:
    """A verified, decrypted notify: its id and event type, and the resource's fields."""

    id: str
    event_type: str
    resource: dict[str, Any]


def _header(headers: Mapping[str, str], name: str) -> str:
    lowered = {k.lower(): v for k, v in headers.items()}
    return lowered.get(name.lower(), "")


def verify_notify(
    *,
    headers: Mapping[str, str],
    body: str,
    platform_public_key: str,
    platform_public_key_id: str,
    apiv3_key: str,
    now: float | None = None,
    window_seconds: int = TIMESTAMP_WINDOW_SECONDS,
) -> Notify:
    """Check a notify's signature and freshness, decrypt its resource; NotifyRejected otherwise."""
    signature = _header(headers, "Wechatpay-Signature")
    timestamp = _header(headers, "Wechatpay-Timestamp")
    nonce = _header(headers, "Wechatpay-Nonce")
    serial = _header(headers, "Wechatpay-Serial")
    kind = _header(headers, "Wechatpay-Signature-Type") or SIGNATURE_TYPE
    if not (signature and timestamp and nonce and serial):
        raise NotifyRejected("unsigned", "a Wechatpay-* header is missing")
    if kind != SIGNATURE_TYPE:
        raise NotifyRejected("bad_signature_type", kind)
    if serial != platform_public_key_id:
        raise NotifyRejected("unknown_serial", serial)
    if not timestamp.isdigit():
        raise NotifyRejected("bad_timestamp", timestamp)
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > window_seconds:
        raise NotifyRejected("stale", f"timestamp {timestamp}")
    if not rsa_verify(platform_public_key, signed_message(timestamp, nonce, body), signature):
        raise NotifyRejected("bad_signature")
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise NotifyRejected("malformed", "the body is not JSON") from exc
    if not isinstance(data, dict) or data.get("resource_type") != "encrypt-resource":
        raise NotifyRejected("malformed", "not an encrypted resource")
    resource = data.get("resource") or {}
    if resource.get("algorithm") != "AEAD_AES_256_GCM":
        raise NotifyRejected("malformed", f"algorithm {resource.get('algorithm')}")
    plaintext = aes_decrypt(
        apiv3_key=apiv3_key,
        ciphertext=str(resource.get("ciphertext", "")),
        associated_data=str(resource.get("associated_data") or ""),
        nonce=str(resource.get("nonce", "")),
    )
    try:
        decrypted = json.loads(plaintext)
    except ValueError as exc:
        raise NotifyRejected("malformed", "the resource is not JSON") from exc
    if not isinstance(decrypted, dict) or not data.get("id"):
        raise NotifyRejected("malformed", "no id or resource object")
    return Notify(
        id=str(data["id"]), event_type=str(data.get("event_type", "")), resource=decrypted
    )
