"""Personas and a fake agency backend for the records tests.

Citizens: 张三 (bound, openid ZHANG), 李四 (bound with another ID number, openid LI), 王五 (not
bound, openid WANG). Staff: alice, administrator of the police department; bob, an editor of it
(no records.configure); carol, administrator of the water department (cannot see police).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.cache import cache

from weizheng.identity.testing import make_binding
from weizheng.wechat.oauth import OPENIDS_KEY

ZHANG = "oZHANGSAN0000000000000000001"
LI = "oLISI000000000000000000000002"
WANG = "oWANGWU00000000000000000003"
ZHANG_ID = "11010519491231002X"
LI_ID = "440305199003071231"
# 张三's one vehicle in the demo connector (derived from the ID number; see connectors/demo.py).
ZHANG_PLATE = "粤D53536"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def as_citizen(client: Any, account: Any, openid: str) -> Any:
    """The session a finished WeChat sign-in leaves: this openid for this account."""
    session = client.session
    session[OPENIDS_KEY] = {str(account.pk): openid}
    session.save()
    return client


@pytest.fixture
def zhang(plain_account):
    return make_binding(account=plain_account, openid=ZHANG, name="张三", id_number=ZHANG_ID)


@pytest.fixture
def li(plain_account):
    from weizheng.identity.idcard import check_digit

    id_number = LI_ID[:17] + check_digit(LI_ID[:17])
    return make_binding(
        account=plain_account, openid=LI, name="李四", id_number=id_number, phone="13900139000"
    )


@pytest.fixture
def water_account(db):
    from conftest import make_account

    return make_account(
        "water", mode="plain", app_id="wx2222222222222222", token="watertoken", name="平安水务集团"
    )


@pytest.fixture
def staff(plain_account, water_account, django_user_model):
    from weizheng.staff.models import Department, Membership, Role

    police = Department.objects.create(name="平安市公安局交警支队")
    police.accounts.add(plain_account)
    water = Department.objects.create(name="平安水务集团客服中心")
    water.accounts.add(water_account)
    users = {}
    for username, department, role in (
        ("alice", police, Role.ADMINISTRATOR),
        ("bob", police, Role.EDITOR),
        ("carol", water, Role.ADMINISTRATOR),
    ):
        user = django_user_model.objects.create_user(username, password=f"pw-{username}-2026!")
        Membership.objects.create(user=user, department=department, role=role)
        users[username] = user
    return users


# --- a fake agency backend: a real HTTP server on 127.0.0.1 in a thread -------------------------
class FakeBackend:
    """Routes answer with (status, headers, body bytes, delay seconds); requests are recorded."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes, float]] = {}
        self.requests: list[dict[str, Any]] = []
        backend = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                backend.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": dict(self.headers.items()),
                        "body": body,
                    }
                )
                route = self.path.split("?", 1)[0]
                status, headers, payload, delay = backend.routes.get(
                    route, (404, {}, b'{"code": "404"}', 0.0)
                )
                if delay:
                    time.sleep(delay)
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def json(self, route: str, data: Any, *, status: int = 200, delay: float = 0.0) -> None:
        body = json.dumps(data, ensure_ascii=False).encode()
        self.routes[route] = (status, {"Content-Type": "application/json"}, body, delay)

    def raw(self, route: str, body: bytes, *, status: int = 200, headers=None, delay=0.0) -> None:
        self.routes[route] = (status, headers or {}, body, delay)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def _backend_server():
    server = FakeBackend()
    yield server
    server.close()


@pytest.fixture
def backend(_backend_server):
    """The fake backend with no routes and no requests recorded."""
    _backend_server.routes.clear()
    _backend_server.requests.clear()
    return _backend_server


@pytest.fixture(autouse=True)
def _english_messages():
    """Refusals are asserted in English (the msgids); pages negotiate their own language."""
    from django.utils import translation

    with translation.override("en"):
        yield
