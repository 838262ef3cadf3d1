"""access_token: /cgi-bin/token, /cgi-bin/stable_token and the checks every API makes."""

from __future__ import annotations

import datetime as dt

import time_machine

from weizheng.wechat_mock import actions

from .conftest import APPID, SECRET

START = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)


def test_token_then_stable_token_are_separate_tokens(app, wechat):
    issued = wechat.token()
    assert set(issued) == {"access_token", "expires_in"}
    assert issued["expires_in"] == 7200
    assert len(issued["access_token"]) >= 100

    stable = wechat.call(
        "cgi-bin/stable_token",
        token=None,
        body={"grant_type": "client_credential", "appid": APPID, "secret": SECRET},
    )
    assert stable["access_token"] != issued["access_token"]
    assert 300 <= stable["expires_in"] <= 7200
    for token in (issued["access_token"], stable["access_token"]):
        assert wechat.call("cgi-bin/tags/get", token=token)["tags"][0]["id"] == 2


def test_stable_token_reuses_the_current_token_until_forced(app, wechat):
    body = {"grant_type": "client_credential", "appid": APPID, "secret": SECRET}
    first = wechat.call("cgi-bin/stable_token", token=None, body=body)["access_token"]
    again = wechat.call("cgi-bin/stable_token", token=None, body=body)["access_token"]
    assert again == first

    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=31)):
        forced = wechat.call(
            "cgi-bin/stable_token", token=None, body={**body, "force_refresh": True}
        )["access_token"]
        assert forced != first
        assert wechat.call("cgi-bin/tags/get", token=first)["errcode"] == 40001
        assert "tags" in wechat.call("cgi-bin/tags/get", token=forced)


def test_stable_token_is_renewed_in_its_last_five_minutes_and_both_work(app, wechat):
    body = {"grant_type": "client_credential", "appid": APPID, "secret": SECRET}
    with time_machine.travel(START, tick=False) as clock:
        first = wechat.call("cgi-bin/stable_token", token=None, body=body)["access_token"]
        clock.shift(dt.timedelta(seconds=7200 - 200))
        renewed = wechat.call("cgi-bin/stable_token", token=None, body=body)
        assert renewed["access_token"] != first
        assert renewed["expires_in"] == 7200
        assert "tags" in wechat.call("cgi-bin/tags/get", token=first)


def test_old_token_works_for_five_minutes_after_a_new_one_then_40001(app, wechat):
    with time_machine.travel(START, tick=False) as clock:
        old = wechat.access_token()
        clock.shift(dt.timedelta(minutes=10))
        new = wechat.access_token()
        assert new != old

        clock.shift(dt.timedelta(minutes=4, seconds=59))
        assert "tags" in wechat.call("cgi-bin/tags/get", token=old)

        clock.shift(dt.timedelta(seconds=1))
        refused = wechat.call("cgi-bin/tags/get", token=old)
        assert refused["errcode"] == 40001
        assert refused["errmsg"].startswith("invalid credential")
        assert " rid: " in refused["errmsg"]
        assert "tags" in wechat.call("cgi-bin/tags/get", token=new)


def test_missing_token_is_41001(app, wechat):
    assert wechat.call("cgi-bin/tags/get", token=None)["errcode"] == 41001


def test_unknown_token_is_40001(app, wechat):
    assert wechat.call("cgi-bin/tags/get", token="not-a-token")["errcode"] == 40001


def test_token_past_7200_seconds_is_42001(app, wechat):
    with time_machine.travel(START, tick=False) as clock:
        token = wechat.access_token()
        clock.shift(dt.timedelta(seconds=7200))
        answer = wechat.call("cgi-bin/tags/get", token=token)
    assert answer["errcode"] == 42001
    assert answer["errmsg"].startswith("access_token expired")


def test_token_refusals_use_wechats_codes(app, wechat):
    assert wechat.token(secret="wrong")["errcode"] == 40125
    assert wechat.token(appid="wx0000000000000000")["errcode"] == 40013
    assert wechat.token(secret="")["errcode"] == 41004
    assert wechat.call("cgi-bin/token", token=None, grant_type="password")["errcode"] == 40002


def test_token_quota_is_45009_when_used_up(db, wechat):
    from .conftest import make_app

    make_app(quota_limits={"token": 2})
    assert "access_token" in wechat.token()
    assert "access_token" in wechat.token()
    assert wechat.token()["errcode"] == 45009


def test_expire_tokens_action_makes_calls_answer_42001(app, wechat, access_token):
    actions.expire_tokens(app)
    assert wechat.call("cgi-bin/tags/get", token=access_token)["errcode"] == 42001


def test_token_endpoint_needs_get_and_post_only_apis_need_post(app, wechat, access_token):
    assert wechat.call("cgi-bin/menu/create", token=access_token)["errcode"] == 43002
