"""The HTTP biller connector against a tiny stand-in of a utility's system: the bill as it
answers, HMAC-signed requests, an idempotent write-off, and its errors as connector errors."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import make_account
from weizheng.payments import connectors
from weizheng.payments.models import Biller

pytestmark = pytest.mark.django_db


class Utility:
    def __init__(self) -> None:
        self.headers: list[dict[str, str]] = []
        self.write_offs: dict[str, dict] = {}
        self.down = False


@pytest.fixture
def utility() -> Iterator[tuple[Utility, str]]:
    state = Utility()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, data: object) -> None:
            body = json.dumps(data, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            state.headers.append(dict(self.headers.items()))
            if state.down:
                return self._answer(503, {})
            if self.path == "/api/bills/3100012345":
                return self._answer(
                    200,
                    {
                        "period": "2026-10",
                        "amount_fen": 6555,
                        "holder": "张*",
                        "is_paid": False,
                        "details": [["用水量", "19 吨"]],
                    },
                )
            if self.path == "/api/bills/3100000000":
                return self._answer(200, {"period": "2026-10", "amount_fen": "65.55"})
            return self._answer(404, {})

        def do_POST(self) -> None:  # noqa: N802
            state.headers.append(dict(self.headers.items()))
            data = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.write_offs.setdefault(data["order_no"], data)
            return self._answer(200, {"receipt_no": "WA-" + data["order_no"]})

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_port}/api"
    server.shutdown()


@pytest.fixture
def biller(utility):
    account = make_account("water", mode="plain", app_id="wx7c2e9a4b1d3f5e80", token="watertoken")
    return Biller.objects.create(
        account=account,
        code="water",
        name="平安市自来水有限公司",
        kind="water",
        connector="http",
        base_url=utility[1],
        secret="s3cret-key",
    )


def test_the_bill_is_read_from_the_utilitys_answer_with_a_signed_request(biller, utility):
    bill = connectors.connector_for(biller).lookup("3100012345", subject=None)

    assert (bill.amount_fen, bill.period, bill.holder, bill.is_paid) == (
        6555,
        "2026-10",
        "张*",
        False,
    )
    assert bill.details == (("用水量", "19 吨"),)
    assert utility[0].headers[0]["X-Weizheng-Signature"].startswith("keyId=water,ts=")


def test_an_amount_that_is_not_integer_fen_is_a_malformed_answer(biller):
    with pytest.raises(connectors.ConnectorError) as failed:
        connectors.connector_for(biller).lookup("3100000000", subject=None)
    assert failed.value.outcome == "malformed"


def test_unknown_and_unavailable_map_to_the_connector_errors(biller, utility):
    with pytest.raises(connectors.NotFound):
        connectors.connector_for(biller).lookup("3199999999", subject=None)
    utility[0].down = True
    with pytest.raises(connectors.BackendUnavailable):
        connectors.connector_for(biller).lookup("3100012345", subject=None)


def test_the_write_off_sends_our_order_and_returns_the_utilitys_receipt(biller, utility):
    receipt = connectors.connector_for(biller).write_off(
        bill_reference="3100012345",
        period="2026-10",
        amount_fen=6555,
        order_no="WZ2026112610000012345678",
        transaction_id="4200000000000000000000000001",
    )

    assert receipt == "WA-WZ2026112610000012345678"
    assert utility[0].write_offs["WZ2026112610000012345678"]["amount_fen"] == 6555


@pytest.mark.parametrize(
    "reference", ["../../admin", "x/../../secret", "a?x=1#frag", "3100012345/../../admin", ""]
)
def test_a_reference_not_in_the_billers_format_never_reaches_its_system(biller, utility, reference):
    from weizheng.core.errors import AppError
    from weizheng.payments import actions

    with pytest.raises(AppError) as refused:
        actions.check_lookup(biller=biller, reference=reference, subject=None)
    assert (refused.value.code, refused.value.status) == ("invalid_reference", 400)
    assert "6 to 20 digits" in refused.value.message
    with pytest.raises(connectors.InvalidReference):
        connectors.connector_for(biller).lookup(reference, subject=None)
    with pytest.raises(connectors.InvalidReference):
        connectors.connector_for(biller).write_off(
            bill_reference=reference,
            period="2026-10",
            amount_fen=6555,
            order_no="WZ2026112610000012345678",
            transaction_id="4200000000000000000000000001",
        )
    assert utility[0].headers == []  # no request reached the utility


def test_a_billers_own_format_is_enforced_and_the_path_segment_is_encoded(
    biller, utility, monkeypatch
):
    biller.reference_pattern = "[0-9A-Z+]{6,20}"
    biller.save()
    seen: list[str] = []
    original = connectors.call_json

    def spy(endpoint, *, url, body=None):
        seen.append(url)
        return original(endpoint, url=url, body=body)

    monkeypatch.setattr(connectors, "call_json", spy)
    with pytest.raises(connectors.NotFound):
        connectors.connector_for(biller).lookup("AB+123456", subject=None)
    with pytest.raises(connectors.InvalidReference):
        connectors.connector_for(biller).lookup("ab/../x", subject=None)

    assert seen == [f"{biller.base_url}/bills/AB%2B123456"]
    assert len(utility[0].headers) == 1
