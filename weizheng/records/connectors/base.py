"""The one connector interface: a typed request about the bound citizen, a typed result, and
distinct errors.

A connector answers one query type (weizheng/records/registry.py) for one account. It gets a
`QueryRequest` whose subject is the citizen's real-name binding (never an ID number the citizen
typed) plus the query type's validated parameters, and returns a `QueryResult` built with
`QueryType.build_result`, which coerces every value to its field's kind and refuses anything else
(`MalformedAnswer`). It raises one of the `ConnectorError` subclasses when it cannot answer.

Nothing here imports Django models: connectors are plain objects, testable without a database,
and the same shapes serve the connectors still to come (billers, fines, insurers).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Protocol

from django.utils import timezone


# --- errors -----------------------------------------------------------------------------------
class ConnectorError(Exception):
    """A connector could not answer. `outcome` names the kind for the audit log and the page;
    the message is for logs and the back office's test page, never shown to a citizen as is."""

    outcome = "error"


class NotFound(ConnectorError):
    """The backend knows nothing for this subject and these parameters (e.g. no such vehicle
    registered to the citizen)."""

    outcome = "not_found"


class BackendUnavailable(ConnectorError):
    """The backend cannot be reached or answered with a server error (5xx, 429, a redirect
    elsewhere): worth trying again later."""

    outcome = "unavailable"


class BackendTimeout(BackendUnavailable):
    """No complete answer within the connector's timeout."""

    outcome = "timeout"


class MalformedAnswer(ConnectorError):
    """The backend answered, but not with what the mapping or the query type expects."""

    outcome = "malformed"


class Refused(ConnectorError):
    """The backend refused the query (4xx, a business error code): bad credentials, a subject it
    will not answer for. Trying again does not help."""

    outcome = "refused"


# --- the subject and the request --------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Subject:
    """Whom the query is about: the identity of the citizen's active real-name binding."""

    name: str
    id_number: str
    phone: str = ""

    @classmethod
    def from_binding(cls, binding: Any) -> Subject:
        return cls(name=binding.name, id_number=binding.id_number, phone=binding.phone or "")

    def __repr__(self) -> str:  # never print an ID number into a log or a traceback
        return "Subject(<redacted>)"


@dataclass(frozen=True, slots=True)
class QueryRequest:
    """One query: its type's code, the subject, and the type's validated parameters."""

    query_type: str
    subject: Subject
    params: Mapping[str, str] = field(default_factory=dict)


# --- fields, schema and result ----------------------------------------------------------------
class Kind(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    MONEY = "money"  # integer fen; shown in yuan
    DATE = "date"
    DATETIME = "datetime"
    BOOLEAN = "boolean"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One value of a result: its name (the mapping's key), label and kind.

    `true_label`/`false_label` name a boolean's states ("Handled" / "Not handled"); `role` places
    a record field in the card: "title", "badge" or "" (a row).
    """

    name: str
    label: Any
    kind: Kind = Kind.TEXT
    required: bool = True
    true_label: Any = ""
    false_label: Any = ""
    role: str = ""
    signed: bool = False  # a money amount with its sign shown (+ in, − out)

    def coerce(self, value: Any, *, unit: str = "fen") -> Any:
        """The value as this field's Python type; ValueError when it cannot be."""
        if value is None or value == "":
            if self.required:
                raise ValueError(f"{self.name}: missing")
            return None
        return _COERCERS[self.kind](value, unit)


def _text(value: Any, _unit: str) -> str:
    if isinstance(value, (dict, list)):
        raise ValueError("a text is expected, not an object or a list")
    if isinstance(value, bool):
        raise ValueError("a text is expected, not a boolean")
    text = str(value).strip()
    if len(text) > 500:
        raise ValueError("text longer than 500 characters")
    return text


def _integer(value: Any, _unit: str) -> int:
    if isinstance(value, bool):
        raise ValueError("an integer is expected, not a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,15}\s*", value):
        return int(value)
    raise ValueError(f"not an integer: {value!r}")


def _money(value: Any, unit: str) -> int:
    """Integer fen. With unit "yuan" the backend gives yuan (12.5, "12.50"), converted exactly."""
    if isinstance(value, bool) or isinstance(value, (dict, list)):
        raise ValueError(f"not an amount: {value!r}")
    if unit == "fen":
        return _integer(value, unit)
    try:
        yuan = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    fen = yuan * 100
    if fen != fen.to_integral_value() or abs(fen) > Decimal(10) ** 15:
        raise ValueError(f"not a whole number of fen: {value!r}")
    return int(fen)


_DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y%m%d%H%M%S", "%Y/%m/%d %H:%M:%S")
_DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d")


def _datetime(value: Any, _unit: str) -> dt.datetime:
    tz = timezone.get_current_timezone()
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=tz)
    if isinstance(value, bool):
        raise ValueError("a time is expected, not a boolean")
    if isinstance(value, (int, float)):
        seconds = value / 1000 if value > 10**11 else value  # epoch milliseconds or seconds
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    if isinstance(value, str):
        text = value.strip()
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            parsed = None
            for pattern in _DATETIME_FORMATS:
                try:
                    parsed = dt.datetime.strptime(text, pattern)  # noqa: DTZ007 - made aware below
                    break
                except ValueError:
                    continue
        if parsed is not None:
            return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=tz)
    raise ValueError(f"not a time: {value!r}")


def _date(value: Any, _unit: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for pattern in _DATE_FORMATS:
            try:
                return dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a date
            except ValueError:
                continue
        try:
            return _datetime(text, _unit).date()
        except ValueError:
            pass
    raise ValueError(f"not a date: {value!r}")


_TRUE = {"1", "true", "yes", "y", "是", "已处理", "已缴", "t"}
_FALSE = {"0", "false", "no", "n", "否", "未处理", "未缴", "f"}


def _boolean(value: Any, _unit: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise ValueError(f"not a yes/no value: {value!r}")


_COERCERS = {
    Kind.TEXT: _text,
    Kind.INTEGER: _integer,
    Kind.MONEY: _money,
    Kind.DATE: _date,
    Kind.DATETIME: _datetime,
    Kind.BOOLEAN: _boolean,
}


@dataclass(frozen=True, slots=True)
class Schema:
    """What a query type's result holds: single values (summary) and a list of records."""

    summary: tuple[FieldSpec, ...] = ()
    record: tuple[FieldSpec, ...] = ()

    def summary_field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.summary if f.name == name), None)

    def record_field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.record if f.name == name), None)


@dataclass(frozen=True, slots=True)
class QueryResult:
    """A typed answer: `summary` and each record hold exactly their schema's field names, with
    values of the field's kind (None for a missing optional value)."""

    query_type: str
    summary: Mapping[str, Any]
    records: tuple[Mapping[str, Any], ...]
    source: str = ""  # "demo" or "http", for the audit log
    fetched_at: dt.datetime | None = None
    truncated: bool = False

    def to_cache(self) -> dict[str, Any]:
        """A JSON-safe form for the short result cache."""
        return {
            "query_type": self.query_type,
            "summary": {k: _dump(v) for k, v in self.summary.items()},
            "records": [{k: _dump(v) for k, v in r.items()} for r in self.records],
            "source": self.source,
            "fetched_at": self.fetched_at.isoformat() if self.fetched_at else None,
            "truncated": self.truncated,
        }


def _dump(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$d": value.isoformat()}
    return value


def _load(value: Any) -> Any:
    if isinstance(value, dict) and "$dt" in value:
        return dt.datetime.fromisoformat(value["$dt"])
    if isinstance(value, dict) and "$d" in value:
        return dt.date.fromisoformat(value["$d"])
    return value


def result_from_cache(data: Mapping[str, Any]) -> QueryResult:
    return QueryResult(
        query_type=data["query_type"],
        summary={k: _load(v) for k, v in data["summary"].items()},
        records=tuple({k: _load(v) for k, v in r.items()} for r in data["records"]),
        source=data.get("source", ""),
        fetched_at=dt.datetime.fromisoformat(data["fetched_at"])
        if data.get("fetched_at")
        else None,
        truncated=bool(data.get("truncated")),
    )


def build_result(
    *,
    query_type: str,
    schema: Schema,
    summary: Mapping[str, Any] | None,
    records: Sequence[Mapping[str, Any]],
    source: str,
    units: Mapping[str, str] | None = None,
    max_records: int | None = None,
) -> QueryResult:
    """Check and coerce raw values against the schema; MalformedAnswer naming the first bad value.

    `units` maps a money field to "yuan" when the raw value is in yuan.
    """
    units = units or {}
    truncated = max_records is not None and len(records) > max_records
    if truncated:
        records = records[:max_records]
    try:
        typed_summary = {
            spec.name: spec.coerce((summary or {}).get(spec.name), unit=units.get(spec.name, "fen"))
            for spec in schema.summary
        }
        typed_records = []
        for index, raw in enumerate(records):
            if not isinstance(raw, Mapping):
                raise ValueError(f"record {index} is not an object")
            row = {}
            for spec in schema.record:
                try:
                    row[spec.name] = spec.coerce(
                        raw.get(spec.name), unit=units.get(spec.name, "fen")
                    )
                except ValueError as exc:
                    raise ValueError(f"record {index}: {spec.name}: {exc}") from exc
            typed_records.append(row)
    except ValueError as exc:
        raise MalformedAnswer(str(exc)) from exc
    return QueryResult(
        query_type=query_type,
        summary=typed_summary,
        records=tuple(typed_records),
        source=source,
        fetched_at=timezone.now(),
        truncated=truncated,
    )


class Connector(Protocol):
    """What every connector offers. `source` names it in the audit log ("demo", "http")."""

    source: str

    def fetch(self, request: QueryRequest) -> QueryResult:
        """Answer the query or raise a ConnectorError subclass. Must respect its own timeout."""
        ...
