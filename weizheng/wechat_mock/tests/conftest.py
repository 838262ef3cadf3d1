"""Fixtures: a tiny threaded HTTP server standing in for the account's callback URL, a registered
mock app in each message mode, personas, and a helper that calls the mock's WeChat API."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.utils import timezone

from weizheng.wechat_mock import actions, callbacks
from weizheng.wechat_mock.models import MockApp, MockUser

APPID = "wx49f0ab532d5d035a"
SECRET = "0123456789abcdef0123456789abcdef"
TOKEN = "weizhengtoken"
AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"


@dataclass
class Received:
    path: str
    query: dict[str, str]
    body: str
    headers: dict[str, str]


class CallbackServer:
    """Records every POST; `reply` decides the answer (status, body)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.reply: Callable[[Received], tuple[int, bytes]] = lambda r: (200, b"success")
        self._arrived = threading.Condition()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                request = Received(
                    path=parts.path,
                    query=dict(parse_qsl(parts.query, keep_blank_values=True)),
                    body=self.rfile.read(length).decode("utf-8"),
                    headers=dict(self.headers.items()),
                )
                status, body = server.reply(request)
                with server._arrived:
                    server.received.append(request)
                    server._arrived.notify_all()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/xml; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the mock gave up waiting (timeout tests)
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/wx/city/"

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.received) >= count, timeout=timeout)
        return list(self.received)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def callback_server() -> Iterator[CallbackServer]:
    server = CallbackServer()
    yield server
    callbacks.flush_callbacks()
    server.close()


@pytest.fixture(autouse=True)
def _forget_callbacks() -> Iterator[None]:
    callbacks.clear_recent_callbacks()
    yield
    callbacks.flush_callbacks()


def make_app(callback_url: str = "", mode: str = "plain", **extra: Any) -> MockApp:
    return actions.register_app(
        appid=extra.pop("appid", APPID),
        secret=SECRET,
        token=TOKEN,
        encoding_aes_key="" if mode == "plain" else AES_KEY,
        message_mode=mode,
        callback_url=callback_url,
        name="城市服务",
        **extra,
    )


@pytest.fixture
def app(db, callback_server: CallbackServer) -> MockApp:
    return make_app(callback_server.url)


@pytest.fixture
def alice(app: MockApp) -> MockUser:
    """A follower who wrote to the account a minute ago (customer-service window open)."""
    return actions.create_user(
        app,
        nickname="Alice",
        wechat_id="alice_wx",
        last_interaction_at=timezone.now() - timezone.timedelta(minutes=1),
    )


@pytest.fixture
def bob(app: MockApp) -> MockUser:
    """A follower who has never interacted."""
    return actions.create_user(app, nickname="Bob")


@pytest.fixture
def carol(app: MockApp) -> MockUser:
    """Someone who does not follow the account."""
    return actions.create_user(app, nickname="Carol", is_subscribed=False)


class WeChatApi:
    """Calls the mock as a WeChat client would, through Django's test client."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def token(self, appid: str = APPID, secret: str = SECRET) -> dict[str, Any]:
        query = urlencode({"grant_type": "client_credential", "appid": appid, "secret": secret})
        return self.client.get(f"/wxmock/cgi-bin/token?{query}").json()

    def access_token(self) -> str:
        return self.token()["access_token"]

    def raw(self, path: str, *, token: str | None, body: Any = None, **params: Any) -> Any:
        if token is not None:
            params["access_token"] = token
        url = f"/wxmock/{path}" + (f"?{urlencode(params)}" if params else "")
        if body is None:
            return self.client.get(url)
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False)
        return self.client.post(url, data=data, content_type="application/json")

    def call(self, path: str, *, token: str | None, body: Any = None, **params: Any) -> Any:
        return self.raw(path, token=token, body=body, **params).json()


@pytest.fixture
def wechat(client: Any) -> WeChatApi:
    return WeChatApi(client)


@pytest.fixture
def access_token(app: MockApp, wechat: WeChatApi) -> str:
    return wechat.access_token()
