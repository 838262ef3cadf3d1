"""Web authorisation: the authorise page, codes, tokens and userinfo."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlencode, urlsplit

import time_machine
from django.utils import timezone

from weizheng.wechat_mock import actions

from .conftest import APPID, SECRET, make_app

REDIRECT = "https://city.example.gov.cn/h5/callback?next=%2Fcases"


def _authorize(client, *, scope="snsapi_base", method="get", **extra):
    params = {
        "appid": APPID,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": scope,
        "state": "xyz",
        **extra,
    }
    if method == "post":
        return client.post("/wxmock/connect/oauth2/authorize", params)
    return client.get(f"/wxmock/connect/oauth2/authorize?{urlencode(params)}")


def _code(response):
    assert response.status_code == 302, response.content
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["state"] == ["xyz"]
    assert query["next"] == ["/cases"]  # redirect_uri's own query is kept
    return query["code"][0]


def _exchange(wechat, code):
    return wechat.call(
        "sns/oauth2/access_token",
        token=None,
        appid=APPID,
        secret=SECRET,
        code=code,
        grant_type="authorization_code",
    )


def test_authorize_page_lists_the_simulated_users(app, client, alice, bob):
    response = _authorize(client, scope="snsapi_userinfo")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Alice" in page and "Bob" in page and "允许" in page
    assert "http" not in page.split("<style>")[1].split("</style>")[0]  # no CDN


def test_snsapi_base_with_openid_redirects_at_once_and_code_works_once(app, client, wechat, alice):
    code = _code(_authorize(client, openid=alice.openid))
    token = _exchange(wechat, code)
    assert set(token) == {"access_token", "expires_in", "refresh_token", "openid", "scope"}
    assert token["openid"] == alice.openid and token["scope"] == "snsapi_base"

    assert _exchange(wechat, code)["errcode"] == 40163


def test_snsapi_userinfo_after_consent_gives_nickname(app, client, wechat, alice):
    code = _code(_authorize(client, scope="snsapi_userinfo", method="post", openid=alice.openid))
    token = _exchange(wechat, code)
    info = wechat.call(
        "sns/userinfo", token=None, access_token=token["access_token"], openid=alice.openid
    )
    assert info["nickname"] == "Alice" and info["privilege"] == []
    assert info["sex"] == 0 and info["province"] == ""
    assert wechat.call(
        "sns/auth", token=None, access_token=token["access_token"], openid=alice.openid
    ) == {"errcode": 0, "errmsg": "ok"}
    refreshed = wechat.call(
        "sns/oauth2/refresh_token",
        token=None,
        appid=APPID,
        grant_type="refresh_token",
        refresh_token=token["refresh_token"],
    )
    assert refreshed["access_token"] != token["access_token"]


def test_denying_consent_sends_only_the_state(app, client, alice):
    response = _authorize(
        client, scope="snsapi_userinfo", method="post", openid=alice.openid, decision="deny"
    )
    assert response.status_code == 302
    assert "code=" not in response["Location"] and "state=xyz" in response["Location"]


def test_snsapi_base_token_cannot_read_userinfo(app, client, wechat, alice):
    token = _exchange(wechat, _code(_authorize(client, openid=alice.openid)))
    info = wechat.call(
        "sns/userinfo", token=None, access_token=token["access_token"], openid=alice.openid
    )
    assert info["errcode"] == 48001


def test_code_older_than_five_minutes_is_40029(app, client, wechat, alice):
    code = _code(_authorize(client, openid=alice.openid))
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5, seconds=1)):
        assert _exchange(wechat, code)["errcode"] == 40029
    assert _exchange(wechat, "0" * 32)["errcode"] == 40029


def test_exchange_checks_the_secret(app, client, wechat, alice):
    code = _code(_authorize(client, openid=alice.openid))
    answer = wechat.call(
        "sns/oauth2/access_token",
        token=None,
        appid=APPID,
        secret="wrong",
        code=code,
        grant_type="authorization_code",
    )
    assert answer["errcode"] == 40125


def test_authorize_errors_show_wechats_page(db, client):
    app = make_app(oauth_domains=["city.example.gov.cn"])
    actions.create_user(app)
    assert _authorize(client, appid="").status_code == 400
    assert b"10003" in _authorize(client, redirect_uri="https://evil.example.com/").content
    assert b"10005" in _authorize(client, scope="snsapi_login").content
    assert _authorize(client).status_code == 200  # no openid: the chooser page
