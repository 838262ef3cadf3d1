"""The generic JSON-over-HTTP connector against a real HTTP server on 127.0.0.1: the mapping,
timeouts, server errors, malformed answers, missing paths, auth headers, redirects, size limits."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json

import pytest

from weizheng.records import registry
from weizheng.records.connectors.base import (
    BackendTimeout,
    BackendUnavailable,
    MalformedAnswer,
    NotFound,
    QueryRequest,
    Refused,
    Subject,
)
from weizheng.records.connectors.http import HttpConnector
from weizheng.records.connectors.transport import Endpoint

SUBJECT = Subject(name="张三", id_number="11010519491231002X", phone="13800138000")
VIOLATIONS_MAPPING = {
    "status": {"path": "code", "ok": ["0"], "not_found": ["1004"]},
    "records": "data.list",
    "fields": {
        "behaviour": "wfxw",
        "is_handled": "clbj",
        "occurred_at": "wfsj",
        "place": "wfdz",
        "fine": {"path": "fkje", "unit": "yuan"},
        "points": "wfjfs",
        "code": "wfdm",
    },
}
ANSWER = {
    "code": "0",
    "data": {
        "list": [
            {
                "wfxw": "机动车违反禁止标线指示的",
                "clbj": "0",
                "wfsj": "2026-03-14 08:21:00",
                "wfdz": "平安市人民路与中山路交叉口",
                "fkje": "200.00",
                "wfjfs": 3,
                "wfdm": "13450",
            },
            {
                "wfxw": "机动车违反规定停放",
                "clbj": "1",
                "wfsj": "20251102093000",
                "wfdz": "平安市解放路88号路段",
                "fkje": 150,
                "wfjfs": "0",
            },
        ]
    },
}


def violations_connector(url: str, *, mapping=None, **endpoint) -> HttpConnector:
    return HttpConnector(
        query_type=registry.get("violations"),
        url_template=url,
        endpoint=Endpoint(**{"timeout_seconds": 2.0, **endpoint}),
        mapping=mapping or VIOLATIONS_MAPPING,
    )


def ask(connector: HttpConnector, plate: str = "粤B12345"):
    return connector.fetch(QueryRequest("violations", SUBJECT, {"plate": plate}))


def test_success_maps_the_answer_into_typed_records_newest_first(backend):
    backend.json("/wf", ANSWER)
    connector = violations_connector(backend.url + "/wf?sfzh={id_number}&hphm={plate}")

    result = ask(connector)

    first, second = result.records
    assert first["behaviour"] == "机动车违反禁止标线指示的"
    assert first["fine"] == 20000 and second["fine"] == 15000  # yuan → integer fen
    assert first["points"] == 3 and second["points"] == 0
    assert first["is_handled"] is False and second["is_handled"] is True
    assert first["occurred_at"] == dt.datetime(
        2026, 3, 14, 8, 21, tzinfo=first["occurred_at"].tzinfo
    )
    assert second["occurred_at"].date() == dt.date(2025, 11, 2)
    assert second["code"] is None  # optional and absent
    assert result.summary == {
        "count": 2,
        "unhandled_count": 1,
        "unhandled_fine": 20000,
        "unhandled_points": 3,
    }
    assert result.source == "http"
    sent = backend.requests[0]
    # Placeholders are URL-encoded; the plate goes as normalised.
    assert sent["method"] == "GET"
    assert sent["path"] == "/wf?sfzh=11010519491231002X&hphm=%E7%B2%A4B12345"
    assert sent["headers"]["Accept"] == "application/json"


def test_a_slow_backend_is_a_timeout(backend):
    backend.json("/slow", ANSWER, delay=1.5)
    connector = violations_connector(backend.url + "/slow", timeout_seconds=0.5)

    with pytest.raises(BackendTimeout):
        ask(connector)


def test_http_500_is_backend_unavailable(backend):
    backend.raw("/boom", b"<html>Internal Server Error</html>", status=500)

    with pytest.raises(BackendUnavailable) as caught:
        ask(violations_connector(backend.url + "/boom"))
    assert caught.value.outcome == "unavailable"


def test_malformed_json_is_a_malformed_answer(backend):
    backend.raw(
        "/bad", b'{"code": "0", "data": {"list": [', headers={"Content-Type": "application/json"}
    )

    with pytest.raises(MalformedAnswer):
        ask(violations_connector(backend.url + "/bad"))


def test_a_mapping_path_missing_from_the_answer_is_a_malformed_answer(backend):
    backend.json("/moved", {"code": "0", "result": {"items": []}})  # no data.list

    with pytest.raises(MalformedAnswer, match="data.list"):
        ask(violations_connector(backend.url + "/moved"))


def test_a_required_field_missing_in_a_record_is_a_malformed_answer(backend):
    answer = json.loads(json.dumps(ANSWER))
    del answer["data"]["list"][0]["wfdz"]
    backend.json("/partial", answer)

    with pytest.raises(MalformedAnswer, match="place"):
        ask(violations_connector(backend.url + "/partial"))


def test_a_value_of_the_wrong_kind_is_a_malformed_answer(backend):
    answer = json.loads(json.dumps(ANSWER))
    answer["data"]["list"][0]["fkje"] = "two hundred"
    backend.json("/wrong", answer)

    with pytest.raises(MalformedAnswer, match="fine"):
        ask(violations_connector(backend.url + "/wrong"))


def test_business_codes_say_not_found_or_refused(backend):
    backend.json("/none", {"code": "1004", "msg": "无此车辆"})
    backend.json("/no", {"code": "2001", "msg": "无权查询"})

    with pytest.raises(NotFound):
        ask(violations_connector(backend.url + "/none"))
    with pytest.raises(Refused):
        ask(violations_connector(backend.url + "/no"))


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (404, NotFound),
        (401, Refused),
        (403, Refused),
        (429, BackendUnavailable),
        (503, BackendUnavailable),
    ],
)
def test_http_statuses_map_to_distinct_errors(backend, status, error):
    backend.json("/s", {"code": "x"}, status=status)

    with pytest.raises(error):
        ask(violations_connector(backend.url + "/s"))


def test_nothing_listening_is_backend_unavailable():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(BackendUnavailable):
        ask(violations_connector(f"http://127.0.0.1:{port}/wf"))


def test_bearer_token_is_sent(backend):
    backend.json("/wf", ANSWER)
    ask(violations_connector(backend.url + "/wf", auth="bearer", secret="tok-123"))
    assert backend.requests[0]["headers"]["Authorization"] == "Bearer tok-123"


def test_http_basic_is_sent(backend):
    backend.json("/wf", ANSWER)
    ask(violations_connector(backend.url + "/wf", auth="basic", username="jj", secret="pa:ss"))
    expected = "Basic " + base64.b64encode(b"jj:pa:ss").decode()
    assert backend.requests[0]["headers"]["Authorization"] == expected


def test_hmac_signature_covers_method_path_time_nonce_and_body(backend):
    backend.json("/wf", ANSWER)
    connector = HttpConnector(
        query_type=registry.get("violations"),
        url_template=backend.url + "/wf?hphm={plate}",
        endpoint=Endpoint(
            method="POST", auth="hmac", username="key-1", secret="s3cret", timeout_seconds=2.0
        ),
        mapping=VIOLATIONS_MAPPING,
        body_template={"sfzh": "{id_number}", "hphm": "{plate}"},
    )

    ask(connector)

    sent = backend.requests[0]
    assert json.loads(sent["body"]) == {"sfzh": "11010519491231002X", "hphm": "粤B12345"}
    header = dict(p.split("=", 1) for p in sent["headers"]["X-Weizheng-Signature"].split(","))
    assert header["keyId"] == "key-1"
    canonical = "\n".join(
        [
            "POST",
            sent["path"],
            header["ts"],
            header["nonce"],
            hashlib.sha256(sent["body"]).hexdigest(),
        ]
    )
    expected = hmac.new(b"s3cret", canonical.encode(), hashlib.sha256).hexdigest()
    assert header["sig"] == expected
    assert "Authorization" not in sent["headers"]


def test_only_the_placeholders_named_are_sent(backend):
    backend.json("/wf", ANSWER)
    ask(violations_connector(backend.url + "/wf?hphm={plate}"))
    sent = backend.requests[0]
    assert "11010519491231002X" not in sent["path"] and sent["body"] == b""
    assert "13800138000" not in json.dumps(sent["headers"])


def test_a_redirect_to_another_host_is_not_followed(backend):
    backend.raw("/r", b"", status=302, headers={"Location": "http://example.invalid/steal"})

    with pytest.raises(BackendUnavailable, match="another host"):
        ask(violations_connector(backend.url + "/r"))
    assert len(backend.requests) == 1


def test_a_redirect_on_the_same_host_is_followed(backend):
    backend.raw("/old", b"", status=302, headers={"Location": "/new"})
    backend.json("/new", ANSWER)

    assert len(ask(violations_connector(backend.url + "/old")).records) == 2
    assert [r["path"] for r in backend.requests] == ["/old", "/new"]


def test_an_answer_over_the_size_limit_is_refused(backend):
    backend.raw("/big", b'{"pad": "' + b"x" * 5000 + b'"}')

    with pytest.raises(MalformedAnswer, match="larger"):
        ask(violations_connector(backend.url + "/big", max_bytes=1000))


def test_a_null_list_is_no_records(backend):
    backend.json("/empty", {"code": "0", "data": {"list": None}})
    result = ask(violations_connector(backend.url + "/empty"))
    assert result.records == () and result.summary["count"] == 0


def test_summary_fields_are_mapped_for_licence_points(backend):
    backend.json(
        "/jf",
        {
            "ret": {
                "ljjf": "4",
                "zt": "正常",
                "zjcx": "C1",
                "qsrq": "2026-01-05",
                "jzrq": "20270104",
                "jl": [{"xw": "未按规定使用安全带", "sj": 1767225600, "fz": 1}],
            }
        },
    )
    connector = HttpConnector(
        query_type=registry.get("licence-points"),
        url_template=backend.url + "/jf?sfzh={id_number}",
        endpoint=Endpoint(timeout_seconds=2.0),
        mapping={
            "records": "ret.jl",
            "fields": {"behaviour": "xw", "occurred_at": "sj", "points": "fz"},
            "summary": {
                "points": "ret.ljjf",
                "status": "ret.zt",
                "licence_class": "ret.zjcx",
                "cycle_start": "ret.qsrq",
                "cycle_end": "ret.jzrq",
            },
        },
    )

    result = connector.fetch(QueryRequest("licence-points", SUBJECT, {}))

    assert result.summary["points"] == 4
    assert result.summary["cycle_end"] == dt.date(2027, 1, 4)
    assert result.summary["valid_until"] is None
    assert result.records[0]["occurred_at"] == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
