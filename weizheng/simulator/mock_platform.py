"""The simulator's line to the mock WeChat platform: its control API over HTTP, at the account's
api_base_url (in the demo another process, on another port; in tests the live server).

Going through HTTP rather than calling the mock's functions keeps the simulator honest: the phone
sees exactly what the mock platform shows, and every message reaches the app through the real
signed callback.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

import requests

from weizheng.core.errors import AppError
from weizheng.wechat.models import OfficialAccount

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 10.0
# A user action waits for the app's answer: WeChat's 5 s, three attempts, and some slack.
ACTION_TIMEOUT = 25.0

_http = requests.Session()


class MockPlatform:
    """The mock platform as one account's simulated users reach it."""

    def __init__(self, account: OfficialAccount):
        self.account = account
        self.base_url = account.api_base_url.rstrip("/")
        self.appid = account.app_id

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        timeout: float = READ_TIMEOUT,
    ) -> Any:
        url = f"{self.base_url}/_control/{path}"
        try:
            response = _http.request(
                method, url, params=params, json=body, timeout=(CONNECT_TIMEOUT, timeout)
            )
        except requests.RequestException as exc:
            raise AppError(
                "mock_unreachable",
                f"The mock WeChat platform at {self.base_url} cannot be reached.",
                status=502,
                error=type(exc).__name__,
            ) from exc
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code >= 500 or data is None:
            raise AppError(
                "mock_failed",
                f"The mock WeChat platform answered HTTP {response.status_code}.",
                status=502,
            )
        if response.status_code >= 400:
            if isinstance(data, dict) and "code" in data:
                raise AppError(
                    str(data["code"]),
                    str(data.get("message", "")),
                    status=response.status_code,
                    **(data.get("extra") or {}),
                )
            raise AppError("mock_refused", "The mock WeChat platform refused the request.")
        return data

    def _app_path(self, rest: str = "") -> str:
        return f"apps/{quote(self.appid, safe='')}{rest}"

    def app(self) -> dict[str, Any]:
        return self._call("GET", self._app_path())

    def users(self) -> list[dict[str, Any]]:
        return self._call("GET", self._app_path("/users"))

    def user(self, openid: str) -> dict[str, Any]:
        return self._call("GET", self._app_path(f"/users/{quote(openid, safe='')}"))

    def act(self, openid: str, action: str, body: dict[str, Any]) -> dict[str, Any]:
        path = self._app_path(f"/users/{quote(openid, safe='')}/{quote(action, safe='')}")
        return self._call("POST", path, body=body, timeout=ACTION_TIMEOUT)

    def menu(self, openid: str) -> list[dict[str, Any]]:
        return self._call("GET", self._app_path("/menu"), params={"openid": openid})["button"]

    def qrcodes(self) -> list[dict[str, Any]]:
        return self._call("GET", self._app_path("/qrcodes"))

    def delivered(self, openid: str, *, since_id: int = 0, tail: int = 0) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"openid": openid, "since_id": since_id}
        if tail:
            params["tail"] = tail
        return self._call("GET", self._app_path("/delivered"), params=params)

    def pay_order(self, prepay_id: str) -> dict[str, Any]:
        """What WeChat's payment sheet shows for a prepay_id (merchant, description, amount)."""
        return self._call("GET", f"pay/orders/{quote(prepay_id, safe='')}")

    def pay(self, prepay_id: str, openid: str) -> dict[str, Any]:
        """The user pays in the sheet: the mock marks the order paid and sends its notify."""
        return self._call(
            "POST",
            "pay/confirm",
            body={"prepay_id": prepay_id, "openid": openid},
            timeout=ACTION_TIMEOUT,
        )

    def media_url(self, media_id: str) -> str:
        return f"{self.base_url}/_control/media/{quote(media_id, safe='')}"

    @property
    def browse_base(self) -> str:
        return f"{self.base_url}/_control/browse"

    def browse_url(self, openid: str, url: str) -> str:
        """WeChat's in-app browser opening `url` for this user (the mock remembers who)."""
        query = urlencode({"appid": self.appid, "openid": openid, "url": url})
        return f"{self.browse_base}?{query}"
