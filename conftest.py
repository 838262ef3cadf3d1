"""Shared fixtures: official accounts in each message mode, and a clean router per test."""

from __future__ import annotations

import pytest

V1 = {
    "token": "123456",
    "aes_key": "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
    "app_id": "wx49f0ab532d5d035a",
}
V2 = {
    "token": "pamtest",
    "aes_key": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "app_id": "wxb11529c136998cb6",
}


def make_account(slug: str, *, mode: str, app_id: str, token: str, aes_key: str = "", **extra):
    from weizheng.wechat.actions import do_create_account

    return do_create_account(
        slug=slug,
        name=extra.pop("name", slug),
        app_id=app_id,
        app_secret=extra.pop("app_secret", "secret-" + slug),
        token=token,
        encoding_aes_key=aes_key,
        message_mode=mode,
        actor_label="test",
        **extra,
    )


@pytest.fixture
def plain_account(db):
    """The city police account in plain mode."""
    return make_account(
        "police",
        mode="plain",
        app_id="wx1111111111111111",
        token="policetoken",
        name="平安市公安局",
    )


@pytest.fixture
def safe_account(db):
    """An account in safe mode, with the V1 vector's keys."""
    return make_account(
        "safe", mode="safe", app_id=V1["app_id"], token=V1["token"], aes_key=V1["aes_key"]
    )


@pytest.fixture
def compatible_account(db):
    """An account in compatible mode, with the V2 vector's keys."""
    return make_account(
        "compat", mode="compatible", app_id=V2["app_id"], token=V2["token"], aes_key=V2["aes_key"]
    )


@pytest.fixture
def clean_router():
    """The global router with this test's handlers only; restored afterwards."""
    from weizheng.wechat.router import router

    saved = (list(router.rules), list(router.observers), list(router.guards))
    router.rules.clear()
    router.observers.clear()
    router.guards.clear()
    yield router
    router.rules[:] = saved[0]
    router.observers[:] = saved[1]
    router.guards[:] = saved[2]


@pytest.fixture(autouse=True)
def _fresh_account_cache():
    from weizheng.wechat.selectors import clear_account_cache

    clear_account_cache()
    yield
    clear_account_cache()


@pytest.fixture(autouse=True)
def _fresh_workday_calendar():
    """The test database rolls back between tests, the shared cache does not: a calendar cached by
    one test must not answer the next one's deadlines."""
    from django.core.cache import cache

    from weizheng.core.workdays import CACHE_KEY

    cache.delete(CACHE_KEY)
    yield
    cache.delete(CACHE_KEY)


@pytest.fixture(autouse=True)
def _fresh_per_account_caches():
    """Synonym pairs and whether an account runs 问政 are cached in-process for a few seconds;
    the next test's database is not the one they were read from."""
    from weizheng.inquiries.selectors import forget_runs_inquiries
    from weizheng.search.query import forget_synonyms

    forget_synonyms()
    forget_runs_inquiries()
    yield
    forget_synonyms()
    forget_runs_inquiries()


@pytest.fixture(autouse=True)
def _mock_pay_notifies_answered(request):
    """The mock WeChat Pay posts notifies from background threads; the merchant's handler they
    reach must be done before the test database is emptied (else TRUNCATE and the handler's
    writes deadlock on PostgreSQL). Requesting the database helper here makes this fixture's
    teardown run before the database's."""
    uses_db = request.node.get_closest_marker("django_db") is not None or any(
        name in request.fixturenames for name in ("db", "transactional_db", "live_server")
    )
    if uses_db:
        request.getfixturevalue("_django_db_helper")
    yield
    from weizheng.wechat_mock.pay import wait_for_notifies

    wait_for_notifies()


@pytest.fixture
def mock_account(live_server, transactional_db):
    """The police account wired to the mock WeChat platform over real HTTP, both ways."""
    from weizheng.wechat_mock import actions as mock

    account = make_account(
        "police",
        mode="safe",
        app_id="wx5a3f0c1d2e4b6a70",
        token="policetoken",
        aes_key="kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
        name="平安市公安局",
        app_secret="0123456789abcdef0123456789abcdef",
        api_base_url=live_server.url + "/wxmock",
    )
    mock.register_app(
        appid=account.app_id,
        secret=account.app_secret,
        callback_url=f"{live_server.url}/wx/{account.slug}/",
        token=account.token,
        encoding_aes_key=account.encoding_aes_key,
        message_mode=account.message_mode,
        name=account.name,
    )
    return account


@pytest.fixture
def citizen(mock_account):
    """张伟, a follower of the police account on the mock platform."""
    from weizheng.wechat_mock import actions as mock

    return mock.create_user(mock_account.app_id, nickname="张伟", city="平安")
