"""A query result laid out for a page or a reply: labels and formatted values, per the schema."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .connectors.base import FieldSpec, Kind, QueryResult
from .formatting import format_value
from .registry import QueryType


@dataclass(frozen=True, slots=True)
class Row:
    label: Any
    text: str
    name: str
    is_negative: bool = False


@dataclass(frozen=True, slots=True)
class Card:
    title: str
    badge: str
    # True: a good state (handled, received); False: needs attention; None: neutral.
    badge_is_ok: bool | None
    rows: tuple[Row, ...]


def _row(spec: FieldSpec, value: Any) -> Row:
    negative = spec.kind == Kind.MONEY and isinstance(value, int) and value < 0
    return Row(
        label=spec.label, text=format_value(spec, value), name=spec.name, is_negative=negative
    )


def summary_rows(query_type: QueryType, result: QueryResult) -> list[Row]:
    return [
        _row(spec, result.summary.get(spec.name))
        for spec in query_type.schema.summary
        if result.summary.get(spec.name) not in (None, "")
    ]


def record_cards(query_type: QueryType, result: QueryResult) -> list[Card]:
    cards = []
    for record in result.records:
        title, badge, badge_is_ok, rows = "", "", None, []
        for spec in query_type.schema.record:
            value = record.get(spec.name)
            if spec.role == "title":
                title = format_value(spec, value)
            elif spec.role == "badge":
                badge = format_value(spec, value)
                badge_is_ok = bool(value) if spec.kind == Kind.BOOLEAN else None
            elif value not in (None, ""):
                rows.append(_row(spec, value))
        cards.append(Card(title=title, badge=badge, badge_is_ok=badge_is_ok, rows=tuple(rows)))
    return cards
