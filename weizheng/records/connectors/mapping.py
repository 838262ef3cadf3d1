"""Field mappings: where in a backend's JSON answer each field of a query type is.

Paths are dotted, JSONPath-like: ``data.items``, ``$.data.items[0].name``, ``result.0.amount``
(a leading ``$.`` is optional; ``[n]`` or a numeric segment indexes a list). A mapping is JSON:

    {
      "records": "data.list",                    # the list of records (types with records)
      "fields": {"behaviour": "wfxw",            # each record field, relative to one item
                 "fine": {"path": "fkje", "unit": "yuan"}},
      "summary": {"points": "data.ljjf"},        # single values, from the root of the answer
      "status": {"path": "code", "ok": ["0"], "not_found": ["404"]}   # optional business code
    }

`check_mapping` validates a mapping against a query type before it is saved; `apply_mapping`
turns an answer into a typed QueryResult or raises NotFound / Refused / MalformedAnswer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from .base import Kind, MalformedAnswer, NotFound, QueryResult, Refused

MAX_PATH_LENGTH = 200
MAX_SEGMENTS = 16
_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_PATH = re.compile(r"[^.\[\]]+(?:\[\d+\])*(?:\.[^.\[\]]+(?:\[\d+\])*)*")
_MISSING = object()


class MappingError(ValueError):
    """A mapping that cannot be saved; the message says which part and why."""


def parse_path(path: str) -> tuple[str | int, ...]:
    """ "$.data.items[0].name" → ("data", "items", 0, "name"); MappingError when malformed."""
    if not isinstance(path, str) or not path.strip():
        raise MappingError(_("A path must be a non-empty text."))
    text = path.strip()
    if len(text) > MAX_PATH_LENGTH:
        raise MappingError(
            _("A path has at most %(count)d characters.") % {"count": MAX_PATH_LENGTH}
        )
    if text == "$":
        return ()
    if text.startswith("$."):
        text = text[2:]
    if not _PATH.fullmatch(text):
        raise MappingError(
            _("“%(path)s” is not a valid path (use names, dots and [n]).") % {"path": path}
        )
    segments: list[str | int] = []
    for name, index in _SEGMENT.findall(text):
        if index:
            segments.append(int(index))
        elif name.strip().isdigit():
            segments.append(int(name.strip()))
        else:
            segments.append(name.strip())
    if not segments or len(segments) > MAX_SEGMENTS:
        raise MappingError(_("“%(path)s” is not a valid path.") % {"path": path})
    return tuple(segments)


def resolve(data: Any, segments: tuple[str | int, ...]) -> Any:
    """The value at the path, or _MISSING."""
    current = data
    for segment in segments:
        if isinstance(segment, int) and isinstance(current, list):
            if segment >= len(current):
                return _MISSING
            current = current[segment]
        elif isinstance(current, dict):
            key = str(segment)
            if key not in current:
                return _MISSING
            current = current[key]
        else:
            return _MISSING
    return current


def _field_entry(name: str, entry: Any, spec: Any) -> dict[str, str]:
    """The stored form of one field: {"path"}, and {"path", "unit"} for an amount only."""
    if isinstance(entry, str):
        entry = {"path": entry}
    if not isinstance(entry, dict) or set(entry) - {"path", "unit"} or "path" not in entry:
        raise MappingError(_('%(name)s: give a path, or {"path": …, "unit": …}.') % {"name": name})
    parse_path(entry["path"])
    unit = entry.get("unit", "fen")
    if unit not in ("fen", "yuan"):
        raise MappingError(_("%(name)s: the unit is fen or yuan.") % {"name": name})
    if spec.kind != Kind.MONEY:
        # "fen" is the default every field had when mappings stored a unit everywhere: a mapping
        # saved then comes back through the form with it, and must save again unchanged.
        if unit != "fen":
            raise MappingError(_("%(name)s: only amounts have a unit.") % {"name": name})
        return {"path": entry["path"].strip()}
    return {"path": entry["path"].strip(), "unit": unit}


def render_mapping(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """The mapping as the back office shows it: a field is its path alone, except an amount in
    yuan ({"path": …, "unit": "yuan"}). `check_mapping` accepts what this returns."""

    def short(entry: Any) -> Any:
        entry = _entry(entry)
        return entry if entry["unit"] == "yuan" else entry["path"]

    shown: dict[str, Any] = {}
    for key, value in mapping.items():
        if key in ("fields", "summary") and isinstance(value, dict):
            shown[key] = {name: short(entry) for name, entry in value.items()}
        else:
            shown[key] = value
    return shown


def check_mapping(query_type: Any, mapping: Any) -> dict[str, Any]:
    """The mapping, normalised, or MappingError naming what is wrong."""
    if not isinstance(mapping, dict):
        raise MappingError(_("The mapping is a JSON object."))
    unknown = set(mapping) - {"records", "fields", "summary", "status"}
    if unknown:
        raise MappingError(_("Unknown keys: %(keys)s.") % {"keys": ", ".join(sorted(unknown))})
    schema = query_type.schema
    clean: dict[str, Any] = {}

    if schema.record:
        if "records" not in mapping:
            raise MappingError(_("“records” (the path of the list of records) is required."))
        parse_path(mapping["records"])
        clean["records"] = mapping["records"].strip()
        fields = mapping.get("fields") or {}
        if not isinstance(fields, dict):
            raise MappingError(_("“fields” is an object of field names and paths."))
        for name in fields:
            if schema.record_field(name) is None:
                known = ", ".join(f.name for f in schema.record)
                raise MappingError(
                    _("“%(name)s” is not a record field (fields: %(known)s).")
                    % {"name": name, "known": known}
                )
        missing = [f.name for f in schema.record if f.required and f.name not in fields]
        if missing:
            raise MappingError(
                _("Record fields without a path: %(fields)s.") % {"fields": ", ".join(missing)}
            )
        clean["fields"] = {
            name: _field_entry(name, entry, schema.record_field(name))
            for name, entry in fields.items()
        }
    elif "records" in mapping or mapping.get("fields"):
        raise MappingError(_("This query type has no list of records."))

    summary = mapping.get("summary") or {}
    if not isinstance(summary, dict):
        raise MappingError(_("“summary” is an object of field names and paths."))
    if summary and not schema.summary:
        raise MappingError(_("This query type has no summary values."))
    if summary and not query_type.summary_is_mapped:
        raise MappingError(_("This query type computes its summary from the records."))
    if query_type.summary_is_mapped:
        for name in summary:
            if schema.summary_field(name) is None:
                known = ", ".join(f.name for f in schema.summary)
                raise MappingError(
                    _("“%(name)s” is not a summary field (fields: %(known)s).")
                    % {"name": name, "known": known}
                )
        missing = [f.name for f in schema.summary if f.required and f.name not in summary]
        if missing:
            raise MappingError(
                _("Summary fields without a path: %(fields)s.") % {"fields": ", ".join(missing)}
            )
        clean["summary"] = {
            name: _field_entry(name, entry, schema.summary_field(name))
            for name, entry in summary.items()
        }

    status = mapping.get("status")
    if status is not None:
        if (
            not isinstance(status, dict)
            or "path" not in status
            or set(status)
            - {
                "path",
                "ok",
                "not_found",
            }
        ):
            raise MappingError(_('“status” is {"path": …, "ok": […], "not_found": […]}.'))
        parse_path(status["path"])
        values = {}
        for key in ("ok", "not_found"):
            listed = status.get(key, [])
            if not isinstance(listed, list) or not all(
                isinstance(v, (str, int)) and not isinstance(v, bool) for v in listed
            ):
                raise MappingError(_("Status “%(key)s” is a list of codes.") % {"key": key})
            values[key] = [str(v) for v in listed]
        clean["status"] = {"path": status["path"].strip(), **values}
    return clean


def _check_status(answer: Any, status: Mapping[str, Any] | None) -> None:
    if not status:
        return
    value = resolve(answer, parse_path(status["path"]))
    code = "" if value is _MISSING or value is None else str(value)
    if code in status.get("not_found", []):
        raise NotFound(f"business status {code}")
    if status.get("ok") and code not in status["ok"]:
        raise Refused(f"business status {code or '(none)'}")


def _entry(entry: Any) -> dict[str, str]:
    """A saved entry ({"path", "unit"}) or the short form (the path alone)."""
    if isinstance(entry, str):
        return {"path": entry, "unit": "fen"}
    return {"path": entry["path"], "unit": entry.get("unit", "fen")}


def _pick(source: Any, entries: Mapping[str, Any]) -> dict[str, Any]:
    values = {}
    for name, raw in entries.items():
        entry = _entry(raw)
        value = resolve(source, parse_path(entry["path"]))
        values[name] = None if value is _MISSING else value
    return values


def apply_mapping(
    query_type: Any, mapping: Mapping[str, Any], answer: Any, *, source: str, max_records: int
) -> QueryResult:
    """A typed result from the backend's answer through the mapping."""
    _check_status(answer, mapping.get("status"))
    records: list[dict[str, Any]] = []
    units = {
        name: _entry(entry)["unit"]
        for part in ("fields", "summary")
        for name, entry in (mapping.get(part) or {}).items()
    }
    if query_type.schema.record:
        items = resolve(answer, parse_path(mapping["records"]))
        if items is _MISSING:
            raise MalformedAnswer(f"the answer has nothing at “{mapping['records']}”")
        if items is None:
            items = []
        if not isinstance(items, list):
            raise MalformedAnswer(f"“{mapping['records']}” is not a list")
        for index, item in enumerate(items[: max_records + 1]):
            if not isinstance(item, dict):
                raise MalformedAnswer(f"record {index} is not an object")
            records.append(_pick(item, mapping.get("fields") or {}))
    summary = _pick(answer, mapping.get("summary") or {})
    for name, entry in (mapping.get("summary") or {}).items():
        spec = query_type.schema.summary_field(name)
        if spec is not None and spec.required and summary[name] is None:
            raise MalformedAnswer(f"the answer has nothing at “{_entry(entry)['path']}” ({name})")
    return query_type.build_result(
        summary=summary, records=records, source=source, units=units, max_records=max_records
    )
