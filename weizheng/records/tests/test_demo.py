"""The demo: the police account offers violations and licence points (demo connectors) and
exit-entry progress through the generic HTTP connector calling the fake backend (HMAC-signed);
the other accounts offer nothing; loading twice changes nothing."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from conftest import make_account
from weizheng.core.models import AuditLog
from weizheng.identity.testing import make_binding
from weizheng.records import plates, selectors
from weizheng.records.connectors.base import NotFound, QueryRequest, Subject
from weizheng.records.connectors.demo import citizen_plates, demo_connector, exit_entry
from weizheng.records.demo import load_demo
from weizheng.records.models import HttpConnectorConfig, QuerySetting
from weizheng.records.registry import all_types, get

from .conftest import ZHANG, ZHANG_ID, ZHANG_PLATE, as_citizen

ZHANG_SAN = Subject(name="张三", id_number="11010519491231002X")
WANG_FANG = Subject(name="王芳", id_number="440305199003071236")


@pytest.mark.parametrize("code", [t.code for t in all_types()])
def test_demo_records_are_stable_for_a_citizen_and_differ_between_citizens(code):
    query_type = get(code)
    connector = demo_connector(query_type)

    def params(subject):
        return {"plate": citizen_plates(subject.id_number)[0]} if query_type.params else {}

    once = connector.fetch(QueryRequest(code, ZHANG_SAN, params(ZHANG_SAN)))
    again = connector.fetch(QueryRequest(code, ZHANG_SAN, params(ZHANG_SAN)))
    other = connector.fetch(QueryRequest(code, WANG_FANG, params(WANG_FANG)))

    assert once.to_cache()["records"] == again.to_cache()["records"]
    assert once.to_cache()["summary"] == again.to_cache()["summary"]
    assert (once.to_cache()["records"], once.to_cache()["summary"]) != (
        other.to_cache()["records"],
        other.to_cache()["summary"],
    )


def id_numbers(count=40):
    return [f"44030519900307{n:03d}{n % 10}" for n in range(count)]


def test_a_demo_citizen_has_one_or_two_valid_plates_of_their_own():
    assert citizen_plates(ZHANG_ID) == [ZHANG_PLATE]
    counts = set()
    for id_number in id_numbers():
        owned = citizen_plates(id_number)
        counts.add(len(owned))
        assert owned == citizen_plates(id_number)
        assert all(plates.is_valid(p) and plates.normalise(p) == p for p in owned)
    assert counts == {1, 2}


def test_a_plate_not_registered_to_the_citizen_is_not_found():
    connector = demo_connector(get("violations"))
    with pytest.raises(NotFound):
        connector.fetch(QueryRequest("violations", ZHANG_SAN, {"plate": "粤B12345"}))
    with pytest.raises(NotFound):  # WANG_FANG's car is not 张三's
        connector.fetch(
            QueryRequest("violations", ZHANG_SAN, {"plate": citizen_plates(WANG_FANG.id_number)[0]})
        )


def test_the_query_page_offers_the_citizens_demo_plates():
    assert demo_connector(get("violations")).suggested_params(ZHANG_SAN) == {"plate": [ZHANG_PLATE]}
    assert demo_connector(get("licence-points")).suggested_params(ZHANG_SAN) == {}


@pytest.mark.parametrize(
    "today", [dt.date(2026, 5, 1), dt.date(2026, 11, 26), dt.date(2027, 2, 28)]
)
def test_licence_points_are_the_handled_violations_of_the_cycle(today):
    """The points page and the violations page of one citizen tell the same story."""
    points_connector = demo_connector(get("licence-points"))
    violations_connector = demo_connector(get("violations"))
    with time_machine.travel(dt.datetime(today.year, today.month, today.day, 12, tzinfo=dt.UTC)):
        for id_number in id_numbers():
            subject = Subject(name="测试", id_number=id_number)
            points = points_connector.fetch(QueryRequest("licence-points", subject, {}))
            start, end = points.summary["cycle_start"], points.summary["cycle_end"]
            assert start <= today <= end
            counted = [
                record
                for plate in citizen_plates(id_number)
                for record in violations_connector.fetch(
                    QueryRequest("violations", subject, {"plate": plate})
                ).records
                if record["is_handled"]
                and record["points"]
                and start <= timezone.localtime(record["occurred_at"]).date() <= today
            ]
            assert points.summary["points"] == sum(r["points"] for r in counted) < 12
            assert sorted(
                (r["occurred_at"], r["behaviour"], r["place"], r["points"]) for r in counted
            ) == sorted(
                (r["occurred_at"], r["behaviour"], r["place"], r["points"]) for r in points.records
            )


def test_demo_violations_are_plausible():
    today = dt.date.today()
    seen = 0
    for id_number in id_numbers():
        subject = Subject(name="测试", id_number=id_number)
        for plate in citizen_plates(id_number):
            result = demo_connector(get("violations")).fetch(
                QueryRequest("violations", subject, {"plate": plate})
            )
            seen += len(result.records)
            for record in result.records:
                assert record["fine"] % 100 == 0 and 0 < record["fine"] <= 200_000
                assert 0 <= record["points"] <= 12
                assert today - dt.timedelta(days=560) <= record["occurred_at"].date() <= today
                # A motorway offence happens on a motorway, and only there.
                assert ("高速公路" in record["behaviour"]) == ("高速" in record["place"])
            assert result.summary["unhandled_fine"] == sum(
                r["fine"] for r in result.records if not r["is_handled"]
            )
    assert seen >= 40  # most citizens have something to show


def test_demo_housing_fund_balance_follows_its_transactions():
    result = demo_connector(get("housing-fund")).fetch(QueryRequest("housing-fund", ZHANG_SAN, {}))
    by_date = sorted(result.records, key=lambda r: r["occurred_on"])
    for earlier, later in zip(by_date, by_date[1:], strict=False):
        assert later["balance_after"] == earlier["balance_after"] + later["amount"]
    assert result.summary["balance"] == by_date[-1]["balance_after"]


def test_the_fake_backend_answers_the_demo_exit_entry_records():
    records = exit_entry(ZHANG_SAN.id_number, {}, dt.date.today())[1]
    assert all(r["application_no"].startswith("110105") for r in records)


@pytest.mark.django_db
def test_load_demo_configures_the_police_account_and_loads_twice_without_change(db):
    police = make_account("police", mode="plain", app_id="wx5a3f0c1d2e4b6a70", token="demotoken")
    water = make_account("water", mode="plain", app_id="wx7c2e9a4b1d3f5e80", token="demotoken")
    expo = make_account("expo", mode="plain", app_id="wx3b8d1f6a2c4e7091", token="demotoken")

    load_demo()
    load_demo()

    assert [t.code for t in selectors.enabled_types(account=police)] == [
        "violations",
        "licence-points",
        "exit-entry",
    ]
    assert selectors.enabled_types(account=water) == []
    assert selectors.enabled_types(account=expo) == []
    assert QuerySetting.objects.count() == 3 and HttpConnectorConfig.objects.count() == 1
    config = HttpConnectorConfig.objects.get()
    assert config.auth_kind == "hmac" and config.method == "POST"
    assert AuditLog.objects.filter(action="records.connector_saved").count() == 1


@pytest.mark.urls("weizheng.records.tests.urls_with_fake_backend")
@pytest.mark.django_db(transaction=True)
def test_the_demo_http_connector_reads_the_fake_backend(live_server, monkeypatch):
    monkeypatch.setenv("MOCK_PORT", str(urlsplit(live_server.url).port))
    police = make_account("police", mode="plain", app_id="wx5a3f0c1d2e4b6a70", token="demotoken")
    load_demo()
    make_binding(account=police, openid=ZHANG)
    expected = exit_entry("11010519491231002X", {}, dt.date.today())[1]

    page = as_citizen(Client(HTTP_ACCEPT_LANGUAGE="en"), police, ZHANG).get(
        "/h5/police/records/exit-entry/"
    )

    assert page.status_code == 200
    html = page.content.decode()
    for record in expected:
        assert record["application_no"] in html and record["status"] in html
    row = AuditLog.objects.get(action="records.query")
    assert row.detail["connector"] == "http" and row.detail["outcome"] == "ok"


@pytest.mark.urls("weizheng.records.tests.urls_with_fake_backend")
@pytest.mark.django_db
def test_the_fake_backend_refuses_an_unsigned_request(client):
    answer = client.post(
        "/fake-backend/records/exit-entry/",
        data='{"sfzh": "11010519491231002X"}',
        content_type="application/json",
    )
    assert answer.status_code == 401
