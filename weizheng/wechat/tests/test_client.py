"""The outbound client against the mock WeChat platform over real HTTP."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from weizheng.wechat.client import (
    client_for,
    get_access_token,
    refresh_access_token,
    send_custom_message,
)
from weizheng.wechat.errors import (
    WeChatApiError,
    WeChatNetworkError,
    WeChatQuotaError,
    WeChatServerError,
    WeChatWindowClosedError,
)
from weizheng.wechat.models import AccessToken, ApiCall
from weizheng.wechat_mock import actions as mock
from weizheng.wechat_mock.models import MockDelivered

pytestmark = pytest.mark.django_db(transaction=True)


def token_fetches(account) -> int:
    return ApiCall.objects.filter(account=account, api="stable_token").count()


def test_the_token_is_fetched_once_and_shared(mock_account):
    first = get_access_token(mock_account)
    second = get_access_token(mock_account)
    assert first == second
    assert token_fetches(mock_account) == 1
    assert AccessToken.objects.get(account=mock_account).refresh_count == 1


def test_many_threads_cause_one_refresh(mock_account):
    tokens, errors = [], []
    barrier = threading.Barrier(10)

    def fetch():
        try:
            barrier.wait(timeout=10)
            tokens.append(get_access_token(mock_account))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=fetch) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(tokens) == 10 and len(set(tokens)) == 1
    assert token_fetches(mock_account) == 1


def test_a_token_refreshed_early_before_it_expires(mock_account, settings):
    get_access_token(mock_account)
    settings.WECHAT_TOKEN_REFRESH_MARGIN_SECONDS = 7200  # every token is now "about to expire"
    get_access_token(mock_account)
    assert token_fetches(mock_account) == 2


def test_invalid_token_is_refreshed_once_and_the_call_retried(mock_account, citizen):
    old = get_access_token(mock_account)
    mock.expire_tokens(mock_account.app_id, invalidate=True)  # WeChat now answers 40001 for it
    info = client_for(mock_account).user.get(citizen.openid)
    assert info["openid"] == citizen.openid
    assert get_access_token(mock_account) != old
    codes = list(
        ApiCall.objects.filter(api="user/info").order_by("id").values_list("errcode", flat=True)
    )
    assert codes == [40001, 0]
    assert token_fetches(mock_account) == 2


def test_a_token_already_replaced_by_another_process_is_not_refreshed_again(mock_account):
    stale = get_access_token(mock_account)
    # WeChat hands out a new stable token on force_refresh only 30 s after the last one.
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        fresh = refresh_access_token(mock_account, failed_token=stale)  # "another process" did it
        assert fresh != stale
        # This process still held `stale` and got 40001 with it: the current token is used, no fetch.
        assert refresh_access_token(mock_account, failed_token=stale) == fresh
    assert token_fetches(mock_account) == 2


def test_server_errors_are_retried_with_backoff(mock_account, citizen):
    get_access_token(mock_account)
    mock.inject_fault(kind="http_500", api="cgi-bin/user/info", remaining=1)
    assert client_for(mock_account).user.get(citizen.openid)["openid"] == citizen.openid
    attempts = list(
        ApiCall.objects.filter(api="user/info").order_by("id").values_list("http_status", "attempt")
    )
    assert attempts == [(500, 1), (200, 2)]


def test_persistent_server_errors_become_a_typed_error(mock_account, citizen, settings):
    settings.WECHAT_HTTP_RETRIES = 2
    get_access_token(mock_account)
    mock.inject_fault(kind="http_500", api="cgi-bin/user/info")
    with pytest.raises(WeChatServerError):
        client_for(mock_account).user.get(citizen.openid)
    assert ApiCall.objects.filter(api="user/info").count() == 3


def test_system_busy_is_retried(mock_account, citizen):
    get_access_token(mock_account)
    mock.inject_fault(kind="errcode", api="cgi-bin/user/info", value=-1, remaining=1)
    assert client_for(mock_account).user.get(citizen.openid)["openid"] == citizen.openid


def test_quota_exhausted_is_a_typed_error_and_not_retried(mock_account, citizen):
    get_access_token(mock_account)
    mock.inject_fault(kind="errcode", api="cgi-bin/user/info", value=45009)
    with pytest.raises(WeChatQuotaError) as caught:
        client_for(mock_account).user.get(citizen.openid)
    assert caught.value.errcode == 45009
    assert ApiCall.objects.filter(api="user/info").count() == 1


def test_refusal_is_final(mock_account):
    get_access_token(mock_account)
    with pytest.raises(WeChatApiError) as caught:
        client_for(mock_account).user.get("o-nobody-follows-like-this-0000")
    assert caught.value.errcode in (40003, 40013)
    assert ApiCall.objects.filter(api="user/info").count() == 1


def test_slow_answers_time_out_and_are_retried(mock_account, citizen, settings):
    settings.WECHAT_HTTP_TIMEOUT_SECONDS = 0.3
    get_access_token(mock_account)
    mock.inject_fault(kind="latency", api="cgi-bin/user/info", value=1.0, remaining=1)
    assert client_for(mock_account).user.get(citizen.openid)["openid"] == citizen.openid
    first = ApiCall.objects.filter(api="user/info").order_by("id").first()
    assert first.http_status is None and first.errmsg in (
        "ReadTimeout",
        "Timeout",
        "ConnectTimeout",
    )


def test_an_unreachable_platform_is_a_network_error(mock_account, settings):
    settings.WECHAT_HTTP_RETRIES = 1
    mock_account.api_base_url = "http://127.0.0.1:9/wxmock"  # the discard port: nothing listens
    with pytest.raises(WeChatNetworkError):
        get_access_token(mock_account)


def test_customer_service_message_reaches_the_citizen(mock_account, citizen):
    mock.user_sends_text(mock_account.app_id, citizen.openid, "你好")  # opens the 48-hour window
    send_custom_message(
        mock_account,
        {
            "touser": citizen.openid,
            "msgtype": "text",
            "text": {"content": "您好，这里是平安市公安局。"},
        },
    )
    delivered = MockDelivered.objects.filter(openid=citizen.openid, channel="custom").get()
    assert delivered.payload["text"]["content"] == "您好，这里是平安市公安局。"


def test_customer_service_outside_the_window_is_refused_with_45015(mock_account):
    stranger = mock.create_user(mock_account.app_id, nickname="李娜", last_interaction_at=None)
    with pytest.raises(WeChatWindowClosedError):
        send_custom_message(
            mock_account, {"touser": stranger.openid, "msgtype": "text", "text": {"content": "x"}}
        )


def test_slow_handler_reply_arrives_as_customer_service_message(
    mock_account, citizen, clean_router, settings
):
    from weizheng.wechat.protocol.replies import TextReply

    settings.WECHAT_REPLY_BUDGET_SECONDS = 0.3

    @clean_router.on("text")
    def slow(ctx):
        time.sleep(0.8)
        return TextReply(content="查询结果：驾驶证记分 0 分。")

    result = mock.user_sends_text(mock_account.app_id, citizen.openid, "查记分")
    assert result.http_status == 200
    assert result.body in (b"success", "success")
    deadline = time.monotonic() + 5
    while (
        time.monotonic() < deadline
        and not MockDelivered.objects.filter(openid=citizen.openid, channel="custom").exists()
    ):
        time.sleep(0.05)
    delivered = MockDelivered.objects.get(openid=citizen.openid, channel="custom")
    assert delivered.payload["text"]["content"] == "查询结果：驾驶证记分 0 分。"


def test_a_message_send_that_timed_out_is_not_sent_again(mock_account, citizen, settings):
    settings.WECHAT_HTTP_TIMEOUT_SECONDS = 0.3
    settings.WECHAT_HTTP_RETRIES = 2
    mock.user_sends_text(mock_account.app_id, citizen.openid, "你好")
    get_access_token(mock_account)
    mock.inject_fault(kind="latency", api="cgi-bin/message/custom/send", value=1.0, remaining=3)
    with pytest.raises(WeChatNetworkError):
        send_custom_message(
            mock_account,
            {"touser": citizen.openid, "msgtype": "text", "text": {"content": "只发一次"}},
        )
    assert ApiCall.objects.filter(api="message/custom/send").count() == 1


def test_a_message_send_answered_5xx_is_not_sent_again(mock_account, citizen):
    mock.user_sends_text(mock_account.app_id, citizen.openid, "你好")
    get_access_token(mock_account)
    mock.inject_fault(kind="http_500", api="cgi-bin/message/custom/send", remaining=1)
    with pytest.raises(WeChatServerError):
        send_custom_message(
            mock_account, {"touser": citizen.openid, "msgtype": "text", "text": {"content": "x"}}
        )
    assert ApiCall.objects.filter(api="message/custom/send").count() == 1
