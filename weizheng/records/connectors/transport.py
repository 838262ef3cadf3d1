"""JSON over HTTP to an agency's backend: explicit timeouts, no redirects to another host, a size
limit on the answer, and the four ways of authenticating (none, bearer token, HTTP basic, an
HMAC-signed header). No Django models here: the record connector uses it, and so can the
payment and claims connectors to come.

HMAC signing (auth "hmac"): the header (default ``X-Weizheng-Signature``) carries
``keyId=<key id>,ts=<unix seconds>,nonce=<hex>,sig=<hex>`` where ``sig`` is
HMAC-SHA256(secret, "<METHOD>\\n<path and query>\\n<ts>\\n<nonce>\\n<hex SHA-256 of the body>").
The backend recomputes it, checks ts within ±300 s and remembers nonces for that window.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from .base import BackendTimeout, BackendUnavailable, MalformedAnswer, NotFound, Refused

USER_AGENT = "Weizheng-records/1"
DEFAULT_MAX_BYTES = 1_048_576
MAX_REDIRECTS = 3
AUTH_KINDS = ("none", "bearer", "basic", "hmac")
DEFAULT_SIGNATURE_HEADER = "X-Weizheng-Signature"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where and how to call. `secret` is the token, the password or the HMAC key."""

    method: str = "GET"
    auth: str = "none"
    username: str = ""  # HTTP basic user, or the HMAC key id
    secret: str = ""
    signature_header: str = DEFAULT_SIGNATURE_HEADER
    timeout_seconds: float = 5.0
    max_bytes: int = DEFAULT_MAX_BYTES

    def __repr__(self) -> str:  # never print the secret
        return f"Endpoint(method={self.method!r}, auth={self.auth!r})"


def sign(*, secret: str, method: str, url: str, body: bytes, timestamp: int, nonce: str) -> str:
    """The hex HMAC-SHA256 of the canonical string (see the module docstring)."""
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    canonical = "\n".join(
        [method.upper(), target, str(timestamp), nonce, hashlib.sha256(body).hexdigest()]
    )
    return hmac.new(secret.encode(), canonical.encode(), hashlib.sha256).hexdigest()


def auth_headers(endpoint: Endpoint, *, url: str, body: bytes) -> dict[str, str]:
    if endpoint.auth == "bearer":
        return {"Authorization": f"Bearer {endpoint.secret}"}
    if endpoint.auth == "hmac":
        timestamp = int(time.time())
        nonce = secrets.token_hex(8)
        signature = sign(
            secret=endpoint.secret,
            method=endpoint.method,
            url=url,
            body=body,
            timestamp=timestamp,
            nonce=nonce,
        )
        return {
            endpoint.signature_header: (
                f"keyId={endpoint.username},ts={timestamp},nonce={nonce},sig={signature}"
            )
        }
    return {}


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


def call_json(endpoint: Endpoint, *, url: str, body: Any = None) -> Any:
    """Call the backend and return its parsed JSON answer, or raise the connector error that
    says what went wrong. The whole call (redirects and reading included) keeps to
    `timeout_seconds`."""
    deadline = time.monotonic() + endpoint.timeout_seconds
    payload = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
    origin = _origin(url)
    for _hop in range(MAX_REDIRECTS + 1):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise BackendTimeout("no answer within the timeout")
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if payload:
            headers["Content-Type"] = "application/json; charset=utf-8"
        headers.update(auth_headers(endpoint, url=url, body=payload))
        try:
            response = requests.request(
                endpoint.method,
                url,
                data=payload or None,
                headers=headers,
                auth=(endpoint.username, endpoint.secret) if endpoint.auth == "basic" else None,
                timeout=(min(remaining, 5.0), remaining),
                allow_redirects=False,
                stream=True,
            )
        except requests.Timeout as exc:
            raise BackendTimeout("no answer within the timeout") from exc
        except requests.RequestException as exc:
            raise BackendUnavailable(f"cannot reach the backend: {type(exc).__name__}") from exc
        try:
            if response.is_redirect:
                target = urljoin(url, response.headers.get("Location", ""))
                if _origin(target) != origin:
                    raise BackendUnavailable("the backend redirected to another host")
                url = target
                if response.status_code in (301, 302, 303):
                    # As browsers do: the redirected request is a GET without a body.
                    endpoint = _as_get(endpoint)
                    payload = b""
                continue
            content = _read_limited(response, endpoint.max_bytes, deadline)
        finally:
            response.close()
        return _interpret(response.status_code, content)
    raise BackendUnavailable("too many redirects")


def _as_get(endpoint: Endpoint) -> Endpoint:
    return Endpoint(
        method="GET",
        auth=endpoint.auth,
        username=endpoint.username,
        secret=endpoint.secret,
        signature_header=endpoint.signature_header,
        timeout_seconds=endpoint.timeout_seconds,
        max_bytes=endpoint.max_bytes,
    )


def _read_limited(response: requests.Response, max_bytes: int, deadline: float) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise MalformedAnswer(f"the answer is larger than {max_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(chunk_size=16_384):
            size += len(chunk)
            if size > max_bytes:
                raise MalformedAnswer(f"the answer is larger than {max_bytes} bytes")
            if time.monotonic() > deadline:
                raise BackendTimeout("the answer did not arrive within the timeout")
            chunks.append(chunk)
    except requests.Timeout as exc:
        raise BackendTimeout("the answer did not arrive within the timeout") from exc
    except requests.RequestException as exc:
        raise BackendUnavailable(f"the answer was cut off: {type(exc).__name__}") from exc
    return b"".join(chunks)


def _interpret(status: int, content: bytes) -> Any:
    if status == 404:
        raise NotFound("HTTP 404")
    if status == 429 or status >= 500:
        raise BackendUnavailable(f"HTTP {status}")
    if 400 <= status < 500:
        raise Refused(f"HTTP {status}")
    if not 200 <= status < 300:
        raise MalformedAnswer(f"unexpected HTTP {status}")
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedAnswer("the answer is not JSON") from exc
