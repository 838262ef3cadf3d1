"""Injected faults: latency, HTTP 500, an errcode, an expired token; through actions and the
control API."""

from __future__ import annotations

import time

from weizheng.wechat_mock import actions
from weizheng.wechat_mock.models import MockFault


def test_latency_fault_delays_the_answer(app, wechat, access_token):
    actions.inject_fault(kind="latency", api="/cgi-bin/tags/get", value=0.3, remaining=1)
    started = time.monotonic()
    answer = wechat.call("cgi-bin/tags/get", token=access_token)
    assert time.monotonic() - started >= 0.3
    assert "tags" in answer
    started = time.monotonic()
    wechat.call("cgi-bin/tags/get", token=access_token)
    assert time.monotonic() - started < 0.3
    assert not MockFault.objects.exists()


def test_http_500_fault_answers_an_html_500(app, wechat, access_token):
    actions.inject_fault(kind="http_500", api="cgi-bin/tags/get", app=app)
    response = wechat.raw("cgi-bin/tags/get", token=access_token)
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert b"500 Internal Server Error" in response.content
    # Other APIs are untouched.
    assert wechat.call("cgi-bin/user/get", token=access_token)["total"] == 0


def test_errcode_fault_fires_remaining_times_then_stops(app, wechat, access_token):
    actions.inject_fault(kind="errcode", value=-1, remaining=2)
    assert wechat.call("cgi-bin/tags/get", token=access_token)["errcode"] == -1
    assert wechat.call("cgi-bin/user/get", token=access_token)["errcode"] == -1
    assert "tags" in wechat.call("cgi-bin/tags/get", token=access_token)


def test_errcode_fault_on_the_token_endpoint(app, wechat):
    actions.inject_fault(kind="errcode", api="/cgi-bin/token", value=45009, remaining=1)
    assert wechat.token()["errcode"] == 45009
    assert "access_token" in wechat.token()


def test_expire_token_fault_makes_the_call_answer_42001(app, wechat, access_token):
    actions.inject_fault(kind="expire_token", api="/cgi-bin/tags/get", remaining=1)
    assert wechat.call("cgi-bin/tags/get", token=access_token)["errcode"] == 42001
    fresh = wechat.access_token()
    assert "tags" in wechat.call("cgi-bin/tags/get", token=fresh)


def test_fault_for_another_app_does_not_fire(app, wechat, access_token):
    from .conftest import make_app

    other = make_app(appid="wx2222222222222222")
    actions.inject_fault(kind="errcode", value=-1, app=other)
    assert "tags" in wechat.call("cgi-bin/tags/get", token=access_token)


def test_clear_faults(app, wechat, access_token):
    actions.inject_fault(kind="http_500")
    assert actions.clear_faults() == 1
    assert "tags" in wechat.call("cgi-bin/tags/get", token=access_token)


def test_control_api_injects_lists_and_clears_faults(app, client, wechat, access_token):
    created = client.post(
        "/wxmock/_control/faults",
        {"kind": "errcode", "api": "/cgi-bin/menu/get", "value": 40001, "appid": app.appid},
        content_type="application/json",
    )
    assert created.status_code == 201
    assert created.json()["api"] == "/cgi-bin/menu/get"
    assert client.get("/wxmock/_control/faults").json()[0]["kind"] == "errcode"
    assert wechat.call("cgi-bin/menu/get", token=access_token)["errcode"] == 40001

    bad = client.post(
        "/wxmock/_control/faults", {"kind": "meteor"}, content_type="application/json"
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_fault"

    assert client.delete("/wxmock/_control/faults").json() == {"deleted": 1}
    assert wechat.call("cgi-bin/menu/get", token=access_token)["errcode"] == 46003
