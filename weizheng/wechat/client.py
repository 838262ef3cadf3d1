"""The outbound WeChat API client: wechatpy's API classes over our own transport.

wechatpy builds the requests (menu, message, tag, user, qrcode, media ...); `_request` is ours:
the account's base URL (real WeChat or the mock), the shared access token with a single-flight
refresh across processes, explicit timeouts, retries with backoff for network errors, 5xx and -1,
typed errors for quotas, and one ApiCall row per attempt.
"""

from __future__ import annotations

import fcntl
import json
import logging
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from wechatpy import WeChatClient

from .errors import (
    BUSY_ERRCODES,
    QUOTA_ERRCODES,
    TOKEN_ERRCODES,
    WeChatApiError,
    WeChatNetworkError,
    WeChatQuotaError,
    WeChatServerError,
    WeChatWindowClosedError,
)
from .models import AccessToken, ApiCall, OfficialAccount

logger = logging.getLogger(__name__)

# Calls retried only when the request surely never reached WeChat: those that deliver a message,
# and the OAuth code exchange (a code works once: a blind retry would read "code been used").
NOT_IDEMPOTENT = frozenset(
    {
        "message/custom/send",
        "message/template/send",
        "message/mass/send",
        "message/mass/sendall",
        "sns/oauth2/access_token",
    }
)
REAL_HOSTS = ("https://api.weixin.qq.com", "https://mp.weixin.qq.com", "https://open.weixin.qq.com")


# --- the access token ---------------------------------------------------------------------------
def _valid_token(row: AccessToken | None, *, margin: int) -> str | None:
    if row is None or not row.token or row.expires_at is None:
        return None
    if row.expires_at - timedelta(seconds=margin) <= timezone.now():
        return None
    return row.token


def get_access_token(account: OfficialAccount) -> str:
    """The account's access token, refreshed early and by one process at a time."""
    margin = settings.WECHAT_TOKEN_REFRESH_MARGIN_SECONDS
    token = _valid_token(AccessToken.objects.filter(account=account).first(), margin=margin)
    return token or refresh_access_token(account)


def refresh_access_token(account: OfficialAccount, *, failed_token: str | None = None) -> str:
    """Fetch a new token unless another process already did.

    Exactly one refresher may run across all processes (each /cgi-bin/token call invalidates the
    previous token after 5 minutes). The lock: a Redis lock when REDIS_URL is set; otherwise on
    PostgreSQL the AccessToken row (SELECT ... FOR UPDATE, held during the fetch), and on SQLite,
    which is one machine by definition, a file lock (holding SQLite's database-wide write lock
    during an HTTP call would stall every callback). After taking the lock the row is read again:
    if someone else refreshed meanwhile, their token is used. `failed_token` is the token WeChat
    just called invalid: it is replaced only if it is still the current one.
    """
    margin = settings.WECHAT_TOKEN_REFRESH_MARGIN_SECONDS
    AccessToken.objects.get_or_create(account=account)
    row_lock = not settings.REDIS_URL and connection.features.has_select_for_update
    with _refresh_lock(account), transaction.atomic(durable=False) if row_lock else nullcontext():
        rows = AccessToken.objects.select_for_update() if row_lock else AccessToken.objects
        row = rows.get(account=account)
        current = _valid_token(row, margin=0 if failed_token else margin)
        if current and current != failed_token:
            return current
        token, expires_in = _fetch_token(account, force=failed_token is not None)
        now = timezone.now()
        row.token = token
        row.expires_at = now + timedelta(seconds=expires_in)
        row.refreshed_at = now
        row.refresh_count = F("refresh_count") + 1
        row.save(update_fields=["token", "expires_at", "refreshed_at", "refresh_count"])
        return token


@contextmanager
def _refresh_lock(account: OfficialAccount) -> Iterator[None]:
    if settings.REDIS_URL:
        yield from _redis_lock(f"weizheng:wx-token-lock:{account.app_id}")
    elif connection.vendor == "sqlite":
        yield from _file_lock(f"wx-token-{account.app_id}")
    else:
        yield  # the row lock taken in refresh_access_token is the lock


def _redis_lock(name: str) -> Iterator[None]:
    import redis

    client = redis.Redis.from_url(str(settings.REDIS_URL), socket_timeout=5)
    lock = client.lock(name, timeout=30, blocking_timeout=20)
    if not lock.acquire():
        raise WeChatNetworkError(None, "could not take the token refresh lock", api="token")
    try:
        yield
    finally:
        try:
            lock.release()
        except redis.exceptions.LockError:
            logger.warning("Lock %s expired before release", name)


def _file_lock(name: str) -> Iterator[None]:
    lock_dir = Path(settings.VAR_DIR) / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / f"{name}.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _fetch_token(account: OfficialAccount, *, force: bool) -> tuple[str, int]:
    """POST /cgi-bin/stable_token (normal mode reuses a valid token; force after a 40001)."""
    url = account.api_base_url.rstrip("/") + "/cgi-bin/stable_token"
    body = {
        "grant_type": "client_credential",
        "appid": account.app_id,
        "secret": account.app_secret,
        "force_refresh": force,
    }
    result = _send(account, "POST", url, api="stable_token", json_body=body, token_call=True)
    return str(result["access_token"]), int(result.get("expires_in", 7200))


# --- one HTTP call with retries and logging -----------------------------------------------------
_http = requests.Session()


def _api_name(url: str) -> str:
    path = urlsplit(url).path
    marker = path.find("/cgi-bin/")
    if marker >= 0:
        return path[marker + len("/cgi-bin/") :]
    return path.rsplit("/", 2)[-2] + "/" + path.rsplit("/", 1)[-1] if path.count("/") > 1 else path


def _send(
    account: OfficialAccount,
    method: str,
    url: str,
    *,
    api: str,
    params: dict[str, Any] | None = None,
    json_body: Any = None,
    data: Any = None,
    files: Any = None,
    token_call: bool = False,
    raw: bool = False,
) -> Any:
    """Send with retries; return the decoded JSON (or the response when raw=True)."""
    retries = settings.WECHAT_HTTP_RETRIES
    timeout = settings.WECHAT_HTTP_TIMEOUT_SECONDS
    token_refreshed = False
    attempt = 0
    params = dict(params or {})
    if json_body is not None:
        data = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
    while True:
        attempt += 1
        if not token_call and "access_token" not in params:
            params["access_token"] = get_access_token(account)
        started = timezone.now()
        t0 = time.monotonic()
        errcode: int | None = None
        errmsg = ""
        status: int | None = None
        try:
            response = _http.request(
                method, url, params=params, data=data, files=files, timeout=timeout
            )
            status = response.status_code
        except requests.RequestException as exc:
            _log_call(account, api, method, started, t0, None, None, type(exc).__name__, attempt)
            # A message send that may have reached WeChat is not sent again: the citizen would
            # get it twice. Only a connection that never opened is safe to retry.
            never_sent = isinstance(exc, requests.ConnectTimeout) or (
                isinstance(exc, requests.ConnectionError)
                and not isinstance(exc, requests.ReadTimeout)
            )
            if attempt <= retries and (api not in NOT_IDEMPOTENT or never_sent):
                _backoff(attempt)
                continue
            raise WeChatNetworkError(None, str(exc), api=api) from exc
        if status >= 500:
            _log_call(account, api, method, started, t0, status, None, "server error", attempt)
            if attempt <= retries and api not in NOT_IDEMPOTENT:
                _backoff(attempt)
                continue
            raise WeChatServerError(None, f"HTTP {status}", api=api, http_status=status)
        result: Any = None
        content_type = response.headers.get("Content-Type", "")
        if "json" in content_type or "text/plain" in content_type or not raw:
            try:
                result = response.json()
            except ValueError:
                result = None
        if isinstance(result, dict) and "errcode" in result:
            errcode = int(result["errcode"])
            errmsg = str(result.get("errmsg", ""))
        elif status < 400:
            errcode = 0  # WeChat omits errcode on many successful answers
        _log_call(account, api, method, started, t0, status, errcode, errmsg, attempt)
        if status >= 400:
            raise WeChatApiError(errcode, errmsg or f"HTTP {status}", api=api, http_status=status)
        if errcode in (None, 0):
            if raw:
                return response
            if result is None:
                raise WeChatApiError(None, "answer is not JSON", api=api, http_status=status)
            return result
        if errcode in TOKEN_ERRCODES and not token_call and not token_refreshed:
            failed = params.pop("access_token")
            refresh_access_token(account, failed_token=failed)
            token_refreshed = True
            attempt -= 1  # the token retry is not a network retry
            continue
        if errcode in BUSY_ERRCODES:
            if attempt <= retries:
                _backoff(attempt)
                continue
            raise WeChatServerError(errcode, errmsg, api=api, http_status=status)
        answer = result if isinstance(result, dict) else None
        if errcode == 45015:
            raise WeChatWindowClosedError(
                errcode, errmsg, api=api, http_status=status, answer=answer
            )
        if errcode in QUOTA_ERRCODES:
            raise WeChatQuotaError(errcode, errmsg, api=api, http_status=status, answer=answer)
        raise WeChatApiError(errcode, errmsg, api=api, http_status=status, answer=answer)


def _backoff(attempt: int) -> None:
    base = settings.WECHAT_HTTP_BACKOFF_SECONDS
    time.sleep(base * (2 ** (attempt - 1)) * (0.5 + random.random()))  # noqa: S311 - jitter only


def _log_call(account, api, method, started, t0, status, errcode, errmsg, attempt) -> None:
    duration = int((time.monotonic() - t0) * 1000)
    logger.info("wechat api=%s status=%s errcode=%s duration_ms=%s", api, status, errcode, duration)
    ApiCall.objects.create(
        account=account,
        api=api[:100],
        method=method.upper()[:8],
        started_at=started,
        duration_ms=duration,
        http_status=status,
        errcode=errcode,
        errmsg=(errmsg or "")[:200],
        attempt=attempt,
    )


# --- the wechatpy client ------------------------------------------------------------------------
class AccountClient(WeChatClient):
    """wechatpy's WeChatClient bound to one account, with our transport and token handling."""

    def __init__(self, account: OfficialAccount):
        self.account = account
        super().__init__(
            account.app_id, account.app_secret, timeout=settings.WECHAT_HTTP_TIMEOUT_SECONDS
        )
        self.API_BASE_URL = account.api_base_url.rstrip("/") + "/cgi-bin/"

    def _url(self, url_or_endpoint: str, api_base_url: str | None) -> str:
        base = self.account.api_base_url.rstrip("/")
        if url_or_endpoint.startswith(("http://", "https://")):
            for host in REAL_HOSTS:
                if url_or_endpoint.startswith(host):
                    return base + url_or_endpoint[len(host) :]
            return url_or_endpoint
        if api_base_url:
            for host in REAL_HOSTS:
                if api_base_url.startswith(host):
                    api_base_url = base + api_base_url[len(host) :]
            return api_base_url + url_or_endpoint
        return self.API_BASE_URL + url_or_endpoint

    def _request(self, method: str, url_or_endpoint: str, **kwargs: Any) -> Any:
        url = self._url(url_or_endpoint, kwargs.pop("api_base_url", None))
        result_processor = kwargs.pop("result_processor", None)
        params = kwargs.pop("params", None)
        params = dict(params) if isinstance(params, dict) else {}
        data = kwargs.pop("data", None)
        json_body = data if isinstance(data, dict | list) else None
        result = _send(
            self.account,
            method.upper(),
            url,
            api=_api_name(url),
            params=params,
            json_body=json_body,
            data=None if json_body is not None else data,
            files=kwargs.pop("files", None),
        )
        return result_processor(result) if result_processor else result

    @property
    def access_token(self) -> str:  # type: ignore[override]
        return get_access_token(self.account)

    def fetch_access_token(self) -> dict[str, Any]:
        return {"access_token": refresh_access_token(self.account), "expires_in": 7200}


def client_for(account: OfficialAccount) -> AccountClient:
    return AccountClient(account)


def send_custom_message(account: OfficialAccount, payload: dict[str, Any]) -> dict[str, Any]:
    """POST message/custom/send with a prepared body (see protocol.replies.to_custom_message)."""
    return client_for(account).post("message/custom/send", data=payload)


def download_media(account: OfficialAccount, media_id: str) -> tuple[bytes, str]:
    """GET media/get: a temporary media file a citizen sent (image, voice), its bytes and
    content type. WeChat keeps these three days."""
    response = _send(
        account,
        "GET",
        account.api_base_url.rstrip("/") + "/cgi-bin/media/get",
        api="media/get",
        params={"media_id": media_id},
        raw=True,
    )
    return response.content, response.headers.get("Content-Type", "")
