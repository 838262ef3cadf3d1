"""综合查询 in H5: binding required, results of the bound citizen only, every query audited
(without results), refused queries not audited, a per-citizen rate limit, a short cache that is
never shared, and a clear page (never a 500) when the backend fails."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client, override_settings

from weizheng.core.models import AuditLog
from weizheng.records import actions, plates
from weizheng.records.connectors.base import BackendTimeout, BackendUnavailable, MalformedAnswer
from weizheng.records.connectors.demo import DemoConnector

from .conftest import LI, WANG, ZHANG, ZHANG_PLATE, as_citizen

pytestmark = pytest.mark.django_db

VIOLATIONS = "/h5/police/records/violations/"


@pytest.fixture
def offered(plain_account):
    """The police account offers violations, licence points and social insurance (demo)."""
    for code in ("violations", "licence-points", "social-insurance"):
        actions.do_set_mode(account=plain_account, code=code, mode="demo", actor=None)
    return plain_account


def page_of(openid, account):
    return as_citizen(Client(HTTP_ACCEPT_LANGUAGE="en"), account, openid)


def queries():
    return AuditLog.objects.filter(action="records.query")


def test_index_lists_only_the_offered_queries(offered, zhang):
    page = page_of(ZHANG, offered).get("/h5/police/records/")

    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-type="violations"' in html and 'data-type="licence-points"' in html
    assert 'data-type="housing-fund"' not in html
    assert page["Cache-Control"] == "no-store"


def test_an_unbound_citizen_is_sent_to_the_binding_page_and_nothing_is_queried(offered):
    page = page_of(WANG, offered).post(VIOLATIONS, {"plate": "粤B12345"})

    assert page.status_code == 302
    assert page["Location"].startswith("/h5/police/id/?next=")
    assert not queries().exists()


@time_machine.travel("2026-05-01 10:00:00+08:00", tick=False)
def test_a_bound_citizen_sees_their_violations_with_fines_in_yuan(offered, zhang):
    typed = ZHANG_PLATE[:2].lower() + "·" + ZHANG_PLATE[2:]  # 粤d·53536
    page = page_of(ZHANG, offered).post(VIOLATIONS, {"plate": typed})

    assert page.status_code == 200
    html = page.content.decode()
    assert "张*（110105********002X）" in html
    assert "11010519491231002X" not in html
    assert plates.display(ZHANG_PLATE) in html
    assert 'data-testid="record"' in html
    assert 'data-field="fine">¥' in html
    assert 'data-field="occurred_at">20' in html
    assert ("Handled" in html) or ("Not handled" in html)


def test_a_plate_form_is_shown_before_any_query(offered, zhang):
    page = page_of(ZHANG, offered).get(VIOLATIONS)

    assert page.status_code == 200
    assert b'data-testid="query-form"' in page.content
    assert not queries().exists()


@pytest.mark.parametrize("plate", ["粤B1234", "XB12345", "粤I12345", "粤B·D1234X", "12345"])
def test_an_invalid_plate_is_refused_with_the_reason_and_not_audited(offered, zhang, plate):
    page = page_of(ZHANG, offered).post(VIOLATIONS, {"plate": plate})

    assert page.status_code == 400
    assert b'data-error="plate"' in page.content
    assert not queries().exists()


@pytest.mark.parametrize("plate", ["粤B12345", "粤BD12345", "粤B12345D", "京A·DF1234", "沪C1234学"])
def test_ordinary_and_new_energy_plates_are_accepted(offered, zhang, plate):
    assert page_of(ZHANG, offered).post(VIOLATIONS, {"plate": plate}).status_code == 200


def test_each_query_is_audited_with_masked_parameters_and_no_results(offered, zhang):
    client = page_of(ZHANG, offered)
    client.post(VIOLATIONS, {"plate": ZHANG_PLATE})
    client.get("/h5/police/records/licence-points/")

    first, second = queries().order_by("id")
    assert first.account == offered and first.actor is None and first.actor_label == "citizen"
    assert (first.target_type, first.target_id) == ("identity.binding", str(zhang.pk))
    assert first.detail["query_type"] == "violations"
    assert first.detail["params"] == {"plate": plates.mask(ZHANG_PLATE)}
    assert first.detail["outcome"] == "ok" and first.detail["channel"] == "h5"
    assert first.detail["subject"] == "张* 110105********002X"
    assert first.detail["openid"] == "oZH****0001"
    assert first.ip_address == "127.0.0.1"
    text = str(first.detail)
    assert ZHANG_PLATE[2:] not in text and "11010519491231002X" not in text
    # Never the results: no record field names or values.
    assert not {"behaviour", "fine", "place", "records", "summary"} & set(first.detail)
    assert second.detail["query_type"] == "licence-points" and second.detail["params"] == {}


def test_another_citizen_never_sees_the_first_ones_records(offered, zhang, li):
    zhang_page = (
        page_of(ZHANG, offered).get("/h5/police/records/social-insurance/").content.decode()
    )
    li_page = page_of(LI, offered).get("/h5/police/records/social-insurance/").content.decode()

    assert "张*" in zhang_page and "李*" in li_page
    assert "张*" not in li_page and "110105" not in li_page
    zhang_rows = zhang_page.split('data-testid="summary"')[1].split("</div>\n</div>")[0]
    li_rows = li_page.split('data-testid="summary"')[1].split("</div>\n</div>")[0]
    assert zhang_rows != li_rows
    # Both answered by the connector: the second citizen did not get the first one's cache.
    assert [q.detail["cached"] for q in queries().order_by("id")] == [False, False]
    assert [q.target_id for q in queries().order_by("id")] == [str(zhang.pk), str(li.pk)]


def test_cache_keys_differ_by_citizen_binding_and_parameters():
    base = dict(
        account_id=1,
        openid=ZHANG,
        binding_id=1,
        code="violations",
        params={"plate": "粤B12345"},
        version="v",
    )
    key = actions.result_cache_key(**base)
    assert actions.result_cache_key(**base) == key
    for change in (
        {"openid": LI},
        {"binding_id": 2},
        {"params": {"plate": "粤B12346"}},
        {"account_id": 2},
        {"version": "w"},
    ):
        assert actions.result_cache_key(**{**base, **change}) != key
    assert ZHANG not in key and "12345" not in key


@time_machine.travel("2026-05-01 10:00:00+08:00", tick=False)
def test_a_repeated_query_within_a_minute_comes_from_the_cache_and_is_audited(
    offered, zhang, monkeypatch
):
    calls = []
    original = DemoConnector.fetch

    def counting(self, request):
        calls.append(request.query_type)
        return original(self, request)

    monkeypatch.setattr(DemoConnector, "fetch", counting)
    client = page_of(ZHANG, offered)
    first = client.post(VIOLATIONS, {"plate": ZHANG_PLATE}).content
    again = client.post(VIOLATIONS, {"plate": plates.display(ZHANG_PLATE)}).content

    assert calls == ["violations"]
    assert first.split(b'data-testid="records"')[1] == again.split(b'data-testid="records"')[1]
    assert [q.detail["cached"] for q in queries().order_by("id")] == [False, True]


def test_changing_the_connector_does_not_serve_the_old_cached_result(offered, zhang, monkeypatch):
    calls = []
    original = DemoConnector.fetch
    monkeypatch.setattr(
        DemoConnector, "fetch", lambda self, r: calls.append(1) or original(self, r)
    )
    client = page_of(ZHANG, offered)
    client.get("/h5/police/records/licence-points/")
    actions.do_set_mode(account=offered, code="licence-points", mode="demo", actor=None)
    client.get("/h5/police/records/licence-points/")
    assert len(calls) == 2


def test_the_rate_limit_refuses_the_eleventh_query_in_a_minute_without_auditing_it(
    offered, zhang, li
):
    client = page_of(ZHANG, offered)
    for _ in range(10):
        assert client.get("/h5/police/records/licence-points/").status_code == 200

    refused = client.get("/h5/police/records/licence-points/")

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert b"try again in" in refused.content
    assert queries().count() == 10
    # Another citizen has their own allowance.
    assert page_of(LI, offered).get("/h5/police/records/licence-points/").status_code == 200


def test_the_rate_limit_window_ends(offered, zhang):
    with time_machine.travel("2026-05-01 10:00:00+08:00", tick=False) as traveller:
        client = page_of(ZHANG, offered)
        for _ in range(10):
            client.get("/h5/police/records/licence-points/")
        assert client.get("/h5/police/records/licence-points/").status_code == 429
        traveller.shift(61)
        assert client.get("/h5/police/records/licence-points/").status_code == 200


@override_settings(
    REDIS_URL="redis://unused",
    CACHES={
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rate"}
    },
)
def test_with_redis_the_rate_limit_counts_in_the_cache(offered, zhang):
    from weizheng.records.models import RateWindow

    cache.clear()
    client = page_of(ZHANG, offered)
    statuses = [client.get("/h5/police/records/licence-points/").status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]
    assert not RateWindow.objects.exists()


@pytest.mark.parametrize(
    ("error", "status", "outcome"),
    [
        (BackendTimeout("slow"), 504, "timeout"),
        (BackendUnavailable("HTTP 500"), 503, "unavailable"),
        (MalformedAnswer("not JSON"), 502, "malformed"),
        (RuntimeError("a bug"), 503, "error"),
    ],
)
def test_a_backend_failure_gives_a_clear_page_with_a_retry_never_a_500(
    offered, zhang, monkeypatch, error, status, outcome
):
    def failing(self, request):
        raise error

    monkeypatch.setattr(DemoConnector, "fetch", failing)
    page = page_of(ZHANG, offered).post(VIOLATIONS, {"plate": "粤B12345"})

    assert page.status_code == status
    html = page.content.decode()
    assert f'data-outcome="{outcome}"' in html
    assert "please try again in a minute" in html
    assert 'data-testid="retry"' in html
    row = queries().get()
    assert row.detail["outcome"] == outcome
    # A failure is not cached: the next query asks the backend again.
    monkeypatch.undo()
    assert page_of(ZHANG, offered).post(VIOLATIONS, {"plate": "粤B12345"}).status_code == 200


def test_a_query_type_that_is_off_is_404_and_not_audited(offered, zhang):
    assert page_of(ZHANG, offered).get("/h5/police/records/housing-fund/").status_code == 404
    assert page_of(ZHANG, offered).get("/h5/police/records/no-such-type/").status_code == 404
    assert not queries().exists()


def test_pages_are_in_chinese_by_default(offered, zhang):
    client = as_citizen(Client(), offered, ZHANG)
    html = client.post(VIOLATIONS, {"plate": "粤B12345"}).content.decode()
    assert '<html lang="zh-hans">' in html


# --- the plate never goes into a URL ------------------------------------------------------------
def test_the_plate_form_posts_with_a_csrf_token_and_offers_the_citizens_plates(offered, zhang):
    html = page_of(ZHANG, offered).get(VIOLATIONS).content.decode()

    form = html.split('data-testid="query-form"')[0].rsplit("<form", 1)[1]
    assert 'method="post"' in form and f'action="{VIOLATIONS}"' in form
    assert 'name="csrfmiddlewaretoken"' in html.split('data-testid="query-form"')[1]
    assert f'data-testid="suggestion" data-value="{ZHANG_PLATE}"' in html
    assert plates.display(ZHANG_PLATE) in html
    assert not queries().exists()


def test_a_plate_in_the_query_string_is_not_queried(offered, zhang):
    page = page_of(ZHANG, offered).get(VIOLATIONS, {"plate": ZHANG_PLATE})

    assert page.status_code == 200
    assert b'data-testid="query-form"' in page.content
    assert b'data-testid="summary"' not in page.content
    assert not queries().exists()


def test_a_post_without_the_csrf_token_is_refused_and_nothing_is_queried(offered, zhang):
    client = as_citizen(Client(enforce_csrf_checks=True), offered, ZHANG)
    assert client.post(VIOLATIONS, {"plate": ZHANG_PLATE}).status_code == 403
    assert not queries().exists()


def test_the_result_page_has_no_link_carrying_the_plate(offered, zhang, monkeypatch):
    monkeypatch.setattr(
        DemoConnector, "fetch", lambda self, r: (_ for _ in ()).throw(BackendTimeout("slow"))
    )
    html = page_of(ZHANG, offered).post(VIOLATIONS, {"plate": ZHANG_PLATE}).content.decode()

    for url in re.findall(r'(?:href|action)="([^"]*)"', html):
        assert ZHANG_PLATE[2:] not in url and "plate" not in url
    retry = html.split('data-testid="retry"')[0].rsplit("<form", 1)[1]
    assert 'method="post"' in retry and f'value="{ZHANG_PLATE}"' in retry


def test_a_plate_not_registered_to_the_citizen_is_not_found(offered, zhang):
    page = page_of(ZHANG, offered).post(VIOLATIONS, {"plate": "粤B12345"})

    assert page.status_code == 200
    assert b'data-outcome="not_found"' in page.content
    assert queries().get().detail["outcome"] == "not_found"
