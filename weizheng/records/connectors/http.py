"""The generic JSON-over-HTTP connector: an agency plugs in its backend from the back office.

Its configuration (weizheng/records/models.py HttpConnectorConfig) gives a URL template such as
``https://api.jj.gov.cn/wf?sfzh={id_number}&hphm={plate}``, a method, the auth, a timeout and a
field mapping (mapping.py). Placeholders are the subject's ``name``, ``id_number`` and ``phone``
and the query type's parameters; only those the templates name are sent (data minimisation).
They may appear in the path and query, never in the host.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from django.utils.translation import gettext as _

from .base import QueryRequest, QueryResult
from .mapping import MappingError, apply_mapping
from .transport import Endpoint, call_json

SUBJECT_PLACEHOLDERS = ("name", "id_number", "phone")
METHODS = ("GET", "POST")
DEFAULT_MAX_RECORDS = 200


def placeholders(template: str) -> list[str]:
    """The placeholder names in a template; MappingError for a malformed one."""
    names = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise MappingError(_("The template has unbalanced braces.")) from exc
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name or spec or conversion or not name.replace("_", "").isalnum():
            raise MappingError(
                _("“{%(name)s}” is not a placeholder (write {id_number}).") % {"name": name}
            )
        names.append(name)
    return names


def allowed_placeholders(query_type: Any) -> tuple[str, ...]:
    return (*SUBJECT_PLACEHOLDERS, *(p.name for p in query_type.params))


def check_url_template(query_type: Any, template: str) -> str:
    """The template, or MappingError: http(s), a literal host, known placeholders."""
    template = (template or "").strip()
    parts = urlsplit(template.replace("{", "").replace("}", ""))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise MappingError(_("The URL starts with http:// or https:// and names a host."))
    names = placeholders(template)
    unknown = [n for n in names if n not in allowed_placeholders(query_type)]
    if unknown:
        allowed = ", ".join("{" + n + "}" for n in allowed_placeholders(query_type))
        raise MappingError(
            _("Unknown placeholders: %(unknown)s (allowed: %(allowed)s).")
            % {"unknown": ", ".join(unknown), "allowed": allowed}
        )
    scheme_and_host = template.split("/", 3)[:3]
    if "{" in "/".join(scheme_and_host) or "@" in "/".join(scheme_and_host):
        raise MappingError(_("Placeholders and credentials may not be part of the host."))
    return template


def check_body_template(query_type: Any, body: Any) -> Any:
    """A POST body: a JSON object whose string values may be placeholders."""
    if body in (None, "", {}):
        return {}
    if not isinstance(body, dict):
        raise MappingError(_("The body template is a JSON object."))
    for text in _strings(body):
        unknown = [n for n in placeholders(text) if n not in allowed_placeholders(query_type)]
        if unknown:
            raise MappingError(
                _("Unknown placeholders in the body: %(unknown)s.")
                % {"unknown": ", ".join(unknown)}
            )
    return body


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _values(request: QueryRequest) -> dict[str, str]:
    subject = request.subject
    return {
        "name": subject.name,
        "id_number": subject.id_number,
        "phone": subject.phone,
        **request.params,
    }


def render_url(template: str, request: QueryRequest) -> str:
    values = _values(request)
    return template.format_map({k: quote(v, safe="") for k, v in values.items()})


def render_body(body: Any, request: QueryRequest) -> Any:
    values = _values(request)
    if isinstance(body, str):
        return body.format_map(values)
    if isinstance(body, dict):
        return {k: render_body(v, request) for k, v in body.items()}
    if isinstance(body, list):
        return [render_body(v, request) for v in body]
    return body


def default_body(query_type: Any) -> dict[str, str]:
    """What a POST sends when no body template is given: name, ID number and the parameters."""
    names = ("name", "id_number", *(p.name for p in query_type.params))
    return {name: "{" + name + "}" for name in names}


@dataclass(frozen=True, slots=True)
class HttpConnector:
    query_type: Any
    url_template: str
    endpoint: Endpoint
    mapping: Mapping[str, Any]
    body_template: Mapping[str, Any] = field(default_factory=dict)
    max_records: int = DEFAULT_MAX_RECORDS
    source: str = "http"

    def fetch(self, request: QueryRequest) -> QueryResult:
        url = render_url(self.url_template, request)
        body = None
        if self.endpoint.method == "POST":
            body = render_body(self.body_template or default_body(self.query_type), request)
        answer = call_json(self.endpoint, url=url, body=body)
        return apply_mapping(
            self.query_type, self.mapping, answer, source=self.source, max_records=self.max_records
        )


def describe_body(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False, indent=2) if body else ""
