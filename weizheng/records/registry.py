"""The registry of query types: what can be asked, with which parameters, and what comes back.

A query type is data, not code paths: its parameters (validated, displayed, masked for the audit
log), its result schema (weizheng/records/connectors/base.py), its WeChat command words and a
short text summary for WeChat replies. The five built-in types are in query_types.py; another app
registers its own with `register(QueryType(...))` from a module imported at start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from .connectors.base import QueryResult, Schema, build_result


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One parameter the citizen gives (a plate number). `clean` returns the normalised value or
    raises ValidationError; `display` shows it; `mask` is what the audit log keeps."""

    name: str
    label: Any
    clean: Callable[[str], str]
    display: Callable[[str], str] = str
    mask: Callable[[str], str] = lambda value: "*" * len(value)
    placeholder: Any = ""
    help_text: Any = ""
    # The WeChat reply when the command comes without it: a full sentence with %(example)s.
    ask: Any = ""


@dataclass(frozen=True, slots=True)
class QueryType:
    code: str  # also the URL segment: /h5/<slug>/records/<code>/
    label: Any
    description: Any
    schema: Schema
    params: tuple[ParamSpec, ...] = ()
    # Text commands in WeChat: "查违章 粤B12345". The first is the one shown in help texts.
    commands: tuple[str, ...] = ()
    # Summary values computed from the records (so a mapping need not provide them).
    derive_summary: Callable[[Sequence[Mapping[str, Any]]], dict[str, Any]] | None = None
    # Records newest first by this field, when given.
    order_by: str = ""
    # A boolean field (e.g. "is_handled"): records where it is not true come first, as what the
    # citizen still has to do matters more than what is settled.
    pending_first: str = ""
    # The short text of a WeChat reply: (result, displayed params) -> lines.
    summarise: Callable[[QueryResult, Mapping[str, str]], list[str]] | None = None
    icon: str = ""  # one character shown in the H5 index
    # Data the query sends a backend, named for the citizen (data minimisation shown up front).
    sample_params: Mapping[str, str] = field(default_factory=dict)

    def clean_params(self, raw: Mapping[str, Any]) -> dict[str, str]:
        """The validated parameters; ValidationError whose error_dict names the bad ones."""
        cleaned: dict[str, str] = {}
        errors: dict[str, list[ValidationError]] = {}
        for spec in self.params:
            value = raw.get(spec.name)
            try:
                cleaned[spec.name] = spec.clean(str(value or "")[:64])
            except ValidationError as exc:
                errors[spec.name] = [exc]
        if errors:
            raise ValidationError(errors)
        return cleaned

    def display_params(self, params: Mapping[str, str]) -> dict[str, str]:
        return {
            spec.name: spec.display(params[spec.name])
            for spec in self.params
            if spec.name in params
        }

    def masked_params(self, params: Mapping[str, str]) -> dict[str, str]:
        return {
            spec.name: spec.mask(params[spec.name]) for spec in self.params if spec.name in params
        }

    @property
    def summary_is_mapped(self) -> bool:
        return bool(self.schema.summary) and self.derive_summary is None

    def build_result(
        self,
        *,
        summary: Mapping[str, Any] | None,
        records: Sequence[Mapping[str, Any]],
        source: str,
        units: Mapping[str, str] | None = None,
        max_records: int | None = None,
    ) -> QueryResult:
        """The typed result (MalformedAnswer when a value does not fit), newest first, with the
        derived summary filled in."""
        result = build_result(
            query_type=self.code,
            schema=Schema(
                summary=() if self.derive_summary else self.schema.summary,
                record=self.schema.record,
            ),
            summary=summary,
            records=records,
            source=source,
            units=units,
            max_records=max_records,
        )
        rows = result.records
        if self.order_by:
            present = [r for r in rows if r.get(self.order_by) is not None]
            missing = [r for r in rows if r.get(self.order_by) is None]
            rows = (*sorted(present, key=lambda r: r[self.order_by], reverse=True), *missing)
        if self.pending_first:
            rows = tuple(sorted(rows, key=lambda r: bool(r.get(self.pending_first))))  # stable
        typed_summary = dict(result.summary)
        if self.derive_summary is not None:
            typed_summary = self.derive_summary(rows)
        return QueryResult(
            query_type=self.code,
            summary=typed_summary,
            records=tuple(rows),
            source=result.source,
            fetched_at=result.fetched_at,
            truncated=result.truncated,
        )


_TYPES: dict[str, QueryType] = {}


def register(query_type: QueryType) -> QueryType:
    if query_type.code in _TYPES and _TYPES[query_type.code] is not query_type:
        raise ValueError(f"Query type {query_type.code!r} is registered twice.")
    _TYPES[query_type.code] = query_type
    return query_type


def get(code: str) -> QueryType | None:
    _load_builtins()
    return _TYPES.get(code)


def all_types() -> list[QueryType]:
    """Every registered query type, in registration order."""
    _load_builtins()
    return list(_TYPES.values())


def _load_builtins() -> None:
    from . import query_types  # noqa: F401 - registers the built-in types on import
