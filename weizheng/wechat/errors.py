"""Typed errors of the outbound WeChat API client."""

from __future__ import annotations

from typing import Any

from wechatpy.exceptions import WeChatClientException

# access_token invalid / expired / mismatched: refresh once, retry once.
TOKEN_ERRCODES = frozenset({40001, 42001, 40014})
# Quotas and frequency limits: not retried, surfaced so callers pause rather than hammer.
QUOTA_ERRCODES = frozenset({45009, 45047, 45011, 45033, 45065})
# "System busy": retried with backoff like a 5xx.
BUSY_ERRCODES = frozenset({-1})


class WeChatError(WeChatClientException):
    """Base of our client errors; a wechatpy WeChatClientException for code that expects one."""

    def __init__(
        self,
        errcode: int | None,
        errmsg: str,
        *,
        api: str = "",
        http_status: int | None = None,
        answer: dict[str, Any] | None = None,
    ):
        super().__init__(errcode, errmsg)
        self.api = api
        self.http_status = http_status
        # WeChat's whole answer: some refusals carry data (45065 names the earlier msg_id).
        self.answer = answer

    def __str__(self) -> str:
        return f"WeChat API {self.api}: errcode={self.errcode} {self.errmsg}"


class WeChatNetworkError(WeChatError):
    """The request did not get an answer (connection refused, timeout) after retries."""


class WeChatServerError(WeChatError):
    """WeChat answered 5xx or "system busy" after retries."""


class WeChatApiError(WeChatError):
    """WeChat refused the request with an errcode (bad data, permission...): do not retry."""


class WeChatQuotaError(WeChatApiError):
    """A quota or frequency limit (45009 daily quota, 45047 customer-service limit...)."""


class WeChatWindowClosedError(WeChatApiError):
    """45015: the 48-hour customer-service window is closed for this follower."""
