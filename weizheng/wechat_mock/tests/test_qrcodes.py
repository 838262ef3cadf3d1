"""Parametric QR codes: tickets, limits and the image."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import time_machine
from django.utils import timezone


def _create(wechat, token, **body):
    return wechat.call("cgi-bin/qrcode/create", token=token, body=body)


def test_temporary_qr_code_answers_ticket_expiry_and_url(app, wechat, access_token):
    answer = _create(
        wechat,
        access_token,
        expire_seconds=604800,
        action_name="QR_SCENE",
        action_info={"scene": {"scene_id": 123}},
    )
    assert set(answer) == {"ticket", "expire_seconds", "url"}
    assert answer["expire_seconds"] == 604800
    assert answer["url"].startswith("http://weixin.qq.com/q/")
    assert answer["ticket"].startswith("gQ")


def test_permanent_qr_code_has_no_expiry_and_is_stable_per_scene(app, wechat, access_token):
    body = {"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": "hall-3"}}}
    first = _create(wechat, access_token, **body)
    assert set(first) == {"ticket", "url"}
    assert _create(wechat, access_token, **body) == first


def test_qr_code_refusals(app, wechat, access_token):
    assert (
        _create(wechat, access_token, action_name="QR_X", action_info={"scene": {}})["errcode"]
        == 40052
    )
    too_big = {"scene": {"scene_id": 100001}}
    assert (
        _create(wechat, access_token, action_name="QR_LIMIT_SCENE", action_info=too_big)["errcode"]
        == 40053
    )
    long_str = {"scene": {"scene_str": "x" * 65}}
    assert (
        _create(wechat, access_token, action_name="QR_STR_SCENE", action_info=long_str)["errcode"]
        == 40053
    )
    too_long = _create(
        wechat,
        access_token,
        expire_seconds=2592001,
        action_name="QR_SCENE",
        action_info={"scene": {"scene_id": 1}},
    )
    assert too_long["errcode"] == 40035


def test_showqrcode_returns_a_png_until_the_code_expires(app, wechat, client, access_token):
    answer = _create(
        wechat,
        access_token,
        expire_seconds=60,
        action_name="QR_STR_SCENE",
        action_info={"scene": {"scene_str": "window-7"}},
    )
    response = client.get(f"/wxmock/cgi-bin/showqrcode?ticket={quote(answer['ticket'])}")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")

    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61)):
        expired = client.get(f"/wxmock/cgi-bin/showqrcode?ticket={quote(answer['ticket'])}")
    assert expired.status_code == 404


def test_qr_quota_is_45009(db, wechat):
    from .conftest import make_app

    make_app(quota_limits={"qrcode_create": 1})
    token = wechat.access_token()
    body = {"action_name": "QR_SCENE", "action_info": {"scene": {"scene_id": 5}}}
    assert "ticket" in _create(wechat, token, **body)
    assert _create(wechat, token, **body)["errcode"] == 45009
