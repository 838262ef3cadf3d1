"""Citizen web authorisation (snsapi_base) against the mock platform over real HTTP."""

from __future__ import annotations

from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory

from weizheng.wechat import oauth
from weizheng.wechat.models import ApiCall

pytestmark = pytest.mark.django_db(transaction=True)


@oauth.citizen_page
def _echo(request):
    return HttpResponse(f"{request.account.slug}:{request.citizen_openid}")


def _start(client, path="/h5/police/me/"):
    answer = client.get(path)
    assert answer.status_code == 302
    return urlsplit(answer["Location"])


def _authorize(client, location, openid):
    """Play the citizen on WeChat's authorise page (snsapi_base: no page, straight back)."""
    query = dict(parse_qsl(location.query))
    answer = client.get(location.path, {**query, "openid": openid})
    assert answer.status_code == 302, answer.content
    return answer["Location"]


def test_first_visit_goes_to_the_authorise_page_with_a_random_state(client, mock_account):
    location = _start(client, "/h5/police/me/?tab=tags")

    assert f"{location.scheme}://{location.netloc}{location.path}" == (
        mock_account.api_base_url + "/connect/oauth2/authorize"
    )
    assert location.fragment == "wechat_redirect"
    query = parse_qs(location.query)
    assert query["appid"] == [mock_account.app_id]
    assert query["scope"] == ["snsapi_base"] and query["response_type"] == ["code"]
    assert query["redirect_uri"] == ["http://testserver/h5/police/me/?tab=tags"]
    state = query["state"][0]
    assert len(state) == 32 and state.isalnum()
    assert client.session[oauth.STATES_KEY] == {state: mock_account.pk}
    assert _start(client).query != location.query  # a new state each time


def test_real_wechat_accounts_authorise_on_open_weixin(mock_account):
    mock_account.api_base_url = "https://api.weixin.qq.com"
    url = oauth.authorize_url(mock_account, redirect_uri="https://x.gov.cn/h5/", state="s")
    assert url.startswith("https://open.weixin.qq.com/connect/oauth2/authorize?appid=")
    assert url.endswith("&scope=snsapi_base&state=s#wechat_redirect")


def test_the_code_is_exchanged_and_the_page_reopens_knowing_the_openid(
    client, mock_account, citizen
):
    back = _authorize(client, _start(client, "/h5/police/me/?tab=tags"), citizen.openid)
    assert "code=" in back and "state=" in back

    reopened = client.get(back)

    assert reopened.status_code == 302
    assert reopened["Location"] == "http://testserver/h5/police/me/?tab=tags"
    assert client.session[oauth.OPENIDS_KEY] == {str(mock_account.pk): citizen.openid}
    assert client.session[oauth.STATES_KEY] == {}
    assert ApiCall.objects.filter(api="sns/oauth2/access_token", errcode=0).count() == 1


def test_the_decorator_sets_account_and_openid(client, mock_account, citizen):
    client.get(_authorize(client, _start(client), citizen.openid))
    request = RequestFactory().get("/h5/police/x/")
    request.session = client.session

    answer = _echo(request, account_slug="police")

    assert answer.content.decode() == f"police:{citizen.openid}"


def test_missing_state_is_400(client, citizen):
    back = urlsplit(_authorize(client, _start(client), citizen.openid))
    code = parse_qs(back.query)["code"][0]

    answer = client.get(back.path, {"code": code})

    assert answer.status_code == 400
    assert oauth.OPENIDS_KEY not in client.session


def test_wrong_state_is_400(client, citizen):
    back = urlsplit(_authorize(client, _start(client), citizen.openid))
    code = parse_qs(back.query)["code"][0]

    answer = client.get(back.path, {"code": code, "state": "f" * 32})

    assert answer.status_code == 400
    assert b"oauth-refusal" in answer.content
    assert oauth.OPENIDS_KEY not in client.session


def test_a_state_from_another_browser_is_400(client, citizen):
    back = _authorize(client, _start(client), citizen.openid)
    other = Client()

    answer = other.get(back)

    assert answer.status_code == 400
    assert oauth.OPENIDS_KEY not in other.session


def test_reused_code_is_400(client, citizen):
    first = urlsplit(_authorize(client, _start(client), citizen.openid))
    code = parse_qs(first.query)["code"][0]
    assert client.get(first.path + "?" + first.query).status_code == 302
    # Another browser starts its own sign-in but is handed the used code.
    other = Client()
    state = parse_qs(_start(other).query)["state"][0]

    answer = other.get(first.path, {"code": code, "state": state})

    assert answer.status_code == 400
    assert oauth.OPENIDS_KEY not in other.session
    assert ApiCall.objects.filter(api="sns/oauth2/access_token", errcode=40163).exists()


def test_missing_code_is_400(client, citizen):
    state = parse_qs(_start(client).query)["state"][0]
    answer = client.get("/h5/police/me/", {"state": state})
    assert answer.status_code == 400


def test_garbage_code_is_400(client, citizen):
    state = parse_qs(_start(client).query)["state"][0]
    answer = client.get("/h5/police/me/", {"state": state, "code": "<script>"})
    assert answer.status_code == 400
    assert b"<script>" not in answer.content


def test_unreachable_wechat_is_503_not_500(client, citizen, mock_account, settings):
    settings.WECHAT_HTTP_RETRIES = 0
    back = _authorize(client, _start(client), citizen.openid)
    mock_account.api_base_url = "http://127.0.0.1:9/wxmock"
    mock_account.save(update_fields=["api_base_url"])

    answer = client.get(back)

    assert answer.status_code == 503


def test_unknown_or_inactive_account_is_404(client, mock_account):
    assert client.get("/h5/nobody/me/").status_code == 404
    mock_account.is_active = False
    mock_account.save(update_fields=["is_active"])
    assert client.get("/h5/police/me/").status_code == 404


def test_a_state_issued_for_one_account_does_not_sign_in_to_another(client, mock_account, citizen):
    from conftest import make_account

    make_account(
        "water",
        mode="plain",
        app_id="wx2222222222222222",
        token="watertoken",
        api_base_url=mock_account.api_base_url,
    )
    back = urlsplit(_authorize(client, _start(client), citizen.openid))
    query = parse_qs(back.query)

    answer = client.get("/h5/water/me/", {"code": query["code"][0], "state": query["state"][0]})

    assert answer.status_code == 400
    assert oauth.OPENIDS_KEY not in client.session


def test_a_code_exchange_that_timed_out_is_not_retried(client, citizen, settings):
    """A code works once: after a timeout the request may have reached WeChat, so a retry would
    only read "code been used". One attempt, then a clear page for the citizen."""
    from weizheng.wechat_mock import actions as mock

    settings.WECHAT_HTTP_TIMEOUT_SECONDS = 0.3
    settings.WECHAT_HTTP_RETRIES = 2
    back = _authorize(client, _start(client), citizen.openid)
    mock.inject_fault(kind="latency", api="sns/oauth2/access_token", value=1.0, remaining=5)
    answer = client.get(back)
    assert answer.status_code in (502, 503)
    assert ApiCall.objects.filter(api="sns/oauth2/access_token").count() == 1
