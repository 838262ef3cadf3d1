"""Biller connectors: look a bill up by the utility account number, or a traffic fine by its
decision number (决定书编号), and write a paid one off. Same shapes and errors as the record
connectors (weizheng/records/connectors/base.py); the HTTP one reuses records' transport.

The demo backends stand for the water, power and gas companies and the traffic police of the
fictional 平安市: bills derive from a hash of the account number (stable), fines from the bound
citizen's demo violations (weizheng/records/connectors/demo.py), and what was written off is kept
in `DemoBillerPayment`, the demo billers' own books.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

from django.db import IntegrityError, transaction
from django.utils import timezone

from weizheng.records.connectors import demo as records_demo
from weizheng.records.connectors.base import (
    BackendUnavailable,
    ConnectorError,
    MalformedAnswer,
    NotFound,
    Refused,
    Subject,
)
from weizheng.records.connectors.transport import Endpoint, call_json

from .models import Biller, BillerKind, DemoBillerPayment

__all__ = [
    "BackendUnavailable",
    "Bill",
    "ConnectorError",
    "NotFound",
    "Refused",
    "connector_for",
]

# The demo billers' own formats (stricter than the defaults below).
ACCOUNT_NUMBER_RE = re.compile(r"[0-9]{8,12}")
DECISION_NUMBER_RE = re.compile(r"[0-9]{15,16}")
# What a reference must look like before it goes anywhere near a biller (a per-biller pattern,
# `Biller.reference_pattern`, replaces these): ASCII digits only, never `\d` (which takes
# full-width and other scripts' digits).
DEFAULT_REFERENCE_PATTERNS = {
    "utility": r"[0-9]{6,20}",
    "fine": r"[0-9]{15,16}",
}


class InvalidReference(ConnectorError):
    """The reference is not in the biller's format: it is never sent to the biller."""

    outcome = "invalid_reference"


def normalise_reference(raw: str) -> str:
    """As the citizen typed it → as the biller knows it: NFKC (full-width digits ７ → 7, as
    Chinese IMEs type them), then without spaces and hyphens."""
    text = unicodedata.normalize("NFKC", raw or "")
    return re.sub(r"[\s\-‐‑‒–—―]+", "", text)


def reference_pattern(biller: Biller) -> str:
    if biller.reference_pattern:
        return biller.reference_pattern
    return DEFAULT_REFERENCE_PATTERNS["fine" if biller.kind == BillerKind.FINE else "utility"]


def check_reference(biller: Biller, raw: str) -> str:
    """The normalised reference when it matches the biller's pattern (whole string, ASCII);
    InvalidReference otherwise."""
    reference = normalise_reference(raw)
    if not reference.isascii() or not re.fullmatch(reference_pattern(biller), reference):
        raise InvalidReference("the reference is not in the biller's format")
    return reference


@dataclass(frozen=True, slots=True)
class Bill:
    """What the biller says is owed. `amount_fen` is the whole amount: we never take less or more."""

    reference: str
    period: str
    amount_fen: int
    holder: str  # masked by the biller (张*)
    is_paid: bool
    details: tuple[tuple[str, str], ...] = field(default_factory=tuple)


class BillerConnector(Protocol):
    def lookup(self, reference: str, *, subject: Subject | None) -> Bill: ...

    def write_off(
        self,
        *,
        bill_reference: str,
        period: str,
        amount_fen: int,
        order_no: str,
        transaction_id: str,
    ) -> str: ...


def _digest(*parts: Any) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
STREETS = ["人民路", "中山路", "解放路", "建设路", "光明路", "新华路", "滨江大道", "胜利街"]
UTILITY = {
    BillerKind.WATER: ("用水量", "吨", (8, 36), 345),  # 3.45 元/吨
    BillerKind.POWER: ("用电量", "千瓦时", (90, 420), 62),  # 0.62 元/千瓦时
    BillerKind.GAS: ("用气量", "立方米", (6, 40), 328),  # 3.28 元/立方米
}
# Demo account numbers shown as quick picks (and used by the demo and the tests).
DEMO_ACCOUNTS = {
    BillerKind.WATER: ["3100012345", "3100056789"],
    BillerKind.POWER: ["5100023456", "5100067890"],
    BillerKind.GAS: ["7100034567", "7100078901"],
}


def bill_period(today: dt.date) -> str:
    """Bills are issued for the previous month."""
    first = today.replace(day=1)
    last_month = first - dt.timedelta(days=1)
    return f"{last_month:%Y-%m}"


@dataclass(frozen=True, slots=True)
class DemoUtility:
    biller: Biller

    def _check_up(self) -> None:
        if Biller.objects.filter(pk=self.biller.pk, demo_unavailable=True).exists():
            raise BackendUnavailable("the demo biller is simulating an outage")

    def lookup(self, reference: str, *, subject: Subject | None) -> Bill:
        self._check_up()
        if not ACCOUNT_NUMBER_RE.fullmatch(reference):
            raise NotFound("no such account number")
        seed = _digest(self.biller.code, reference)
        if seed % 11 == 0:
            raise NotFound("no bill for this account number")
        label, unit, (low, high), price = UTILITY[BillerKind(self.biller.kind)]
        period = bill_period(timezone.localdate())
        usage = low + _digest(self.biller.code, reference, period) % (high - low)
        amount = usage * price
        paid = DemoBillerPayment.objects.filter(
            biller_code=self.biller.code, reference=reference, period=period
        ).exists()
        street = STREETS[seed % len(STREETS)]
        return Bill(
            reference=reference,
            period=period,
            amount_fen=amount,
            holder=SURNAMES[seed % len(SURNAMES)] + "*",
            is_paid=paid,
            details=(
                (
                    "用户地址",
                    f"平安市{street}{seed % 300 + 1}号{seed % 30 + 1}栋{seed % 6 + 1}0{seed % 4 + 1}",
                ),
                (label, f"{usage} {unit}"),
                ("单价", f"{price / 100:.2f} 元/{unit}"),
                ("账期", period),
            ),
        )

    def write_off(
        self,
        *,
        bill_reference: str,
        period: str,
        amount_fen: int,
        order_no: str,
        transaction_id: str,
    ) -> str:
        self._check_up()
        return _demo_book(self.biller.code, bill_reference, period, amount_fen, order_no)


def _demo_book(code: str, reference: str, period: str, amount_fen: int, order_no: str) -> str:
    """The demo biller's write-off: idempotent by our order number; a second payment of the same
    bill is refused, as a real biller refuses it."""
    existing = DemoBillerPayment.objects.filter(order_no=order_no).first()
    if existing:
        return existing.receipt_no
    receipt_no = f"{code[:2].upper()}{timezone.localtime():%Y%m%d}{_digest(order_no) % 10**8:08d}"
    try:
        with transaction.atomic():
            DemoBillerPayment.objects.create(
                biller_code=code,
                reference=reference,
                period=period,
                amount_fen=amount_fen,
                order_no=order_no,
                receipt_no=receipt_no,
            )
    except IntegrityError as exc:
        raise Refused("the biller has this bill paid already") from exc
    return receipt_no


def citizen_fines(id_number: str, today: dt.date) -> list[dict[str, Any]]:
    """The demo citizen's decided violations (已处理) with their decision numbers; older ones
    were paid at a bank already."""
    fines = []
    for record in records_demo._citizen_violations(id_number, today):
        if not record["is_handled"]:
            continue
        occurred: dt.datetime = record["occurred_at"]
        seed = _digest("fine", id_number, record["plate"], occurred.isoformat())
        number = f"4409{seed % 90 + 10:02d}{occurred:%y%m%d}{seed % 10**4:04d}"
        fines.append(
            {
                **record,
                "decision_number": number,
                "paid_elsewhere": (today - occurred.date()).days > 75,
            }
        )
    return fines


@dataclass(frozen=True, slots=True)
class DemoFines:
    biller: Biller

    def lookup(self, reference: str, *, subject: Subject | None) -> Bill:
        if Biller.objects.filter(pk=self.biller.pk, demo_unavailable=True).exists():
            raise BackendUnavailable("the demo biller is simulating an outage")
        if subject is None:
            raise Refused("fines are looked up for a bound citizen")
        if not DECISION_NUMBER_RE.fullmatch(reference):
            raise NotFound("no such decision number")
        today = timezone.localdate()
        fine = next(
            (
                f
                for f in citizen_fines(subject.id_number, today)
                if f["decision_number"] == reference
            ),
            None,
        )
        if fine is None:
            raise NotFound("no decision with this number for the subject")
        paid = (
            fine["paid_elsewhere"]
            or DemoBillerPayment.objects.filter(
                biller_code=self.biller.code, reference=reference
            ).exists()
        )
        occurred = timezone.localtime(fine["occurred_at"])
        return Bill(
            reference=reference,
            period="",
            amount_fen=fine["fine"],
            holder=subject.name[:1] + "*" * (len(subject.name) - 1),
            is_paid=paid,
            details=(
                ("号牌号码", fine["plate"]),
                ("违法行为", fine["behaviour"]),
                ("违法时间", f"{occurred:%Y-%m-%d %H:%M}"),
                ("违法地点", fine["place"]),
                ("处罚机关", fine["authority"]),
                ("记分", str(fine["points"])),
            ),
        )

    def write_off(
        self,
        *,
        bill_reference: str,
        period: str,
        amount_fen: int,
        order_no: str,
        transaction_id: str,
    ) -> str:
        if Biller.objects.filter(pk=self.biller.pk, demo_unavailable=True).exists():
            raise BackendUnavailable("the demo biller is simulating an outage")
        return _demo_book(self.biller.code, bill_reference, period, amount_fen, order_no)


@dataclass(frozen=True, slots=True)
class HttpBiller:
    """A biller's own system. GET {base}/bills/{reference} answers
    {"period", "amount_fen", "holder", "is_paid", "details": [[label, value], ...]};
    POST {base}/write-offs {"reference", "period", "amount_fen", "order_no", "transaction_id"}
    answers {"receipt_no"} and is idempotent by order_no. HMAC-signed (records' transport)."""

    biller: Biller

    def _endpoint(self, method: str) -> Endpoint:
        auth = "hmac" if self.biller.secret else "none"
        return Endpoint(
            method=method, auth=auth, username=self.biller.code, secret=self.biller.secret
        )

    def lookup(self, reference: str, *, subject: Subject | None) -> Bill:
        # Checked again here (the actions check first): nothing unchecked reaches the URL, and
        # the path segment is encoded whatever the pattern lets through.
        reference = check_reference(self.biller, reference)
        data = call_json(
            self._endpoint("GET"),
            url=f"{self.biller.base_url.rstrip('/')}/bills/{quote(reference, safe='')}",
        )
        try:
            amount = data["amount_fen"]
            if not isinstance(amount, int) or isinstance(amount, bool):
                raise MalformedAnswer("amount_fen is not an integer")
            return Bill(
                reference=reference,
                period=str(data.get("period", "")),
                amount_fen=amount,
                holder=str(data.get("holder", "")),
                is_paid=bool(data.get("is_paid", False)),
                details=tuple((str(k), str(v)) for k, v in data.get("details", [])),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedAnswer("the bill is not in the expected shape") from exc

    def write_off(
        self,
        *,
        bill_reference: str,
        period: str,
        amount_fen: int,
        order_no: str,
        transaction_id: str,
    ) -> str:
        bill_reference = check_reference(self.biller, bill_reference)
        data = call_json(
            self._endpoint("POST"),
            url=f"{self.biller.base_url.rstrip('/')}/write-offs",
            body={
                "reference": bill_reference,
                "period": period,
                "amount_fen": amount_fen,
                "order_no": order_no,
                "transaction_id": transaction_id,
            },
        )
        receipt = data.get("receipt_no") if isinstance(data, dict) else None
        if not receipt:
            raise MalformedAnswer("no receipt number in the answer")
        return str(receipt)


def connector_for(biller: Biller) -> BillerConnector:
    if biller.connector == "http":
        return HttpBiller(biller)
    if biller.kind == BillerKind.FINE:
        return DemoFines(biller)
    return DemoUtility(biller)
