"""The callback served as a bare WSGI application, beside Django's handler.

The callback is signed, CSRF-exempt and session-less: Django's request objects, middleware and URL
resolving only cost it time (docs/performance.md), so the project's WSGI entry point hands /wx/ to
this adapter and everything else to Django. It calls the same gateway.answer_request as the Django
view, and keeps Django's per-request database hygiene (request_started / request_finished).
"""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import DatabaseError

from . import gateway

logger = logging.getLogger(__name__)

CALLBACK_PREFIX = "/wx/"
_PATH = re.compile(r"^/wx/([-a-zA-Z0-9_]+)/$")


def _status_line(status: int) -> str:
    return f"{status} {HTTPStatus(status).phrase}"


def callback_application(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    match = _PATH.match(environ.get("PATH_INFO", ""))
    if match is None:
        answer = gateway.Answer(404, b"not found")
    else:
        signals.request_started.send(sender=WSGIHandler, environ=environ)
        try:
            answer = _answer(environ, match.group(1))
        finally:
            signals.request_finished.send(sender=WSGIHandler)
    headers = [("Content-Type", answer.content_type), ("Content-Length", str(len(answer.body)))]
    if answer.status == 405:
        headers.append(("Allow", "GET, POST"))
    start_response(_status_line(answer.status), headers)
    return [answer.body]


def _answer(environ: dict[str, Any], slug: str) -> gateway.Answer:
    raw_length = environ.get("CONTENT_LENGTH") or ""
    content_length = int(raw_length) if raw_length.isascii() and raw_length.isdigit() else None
    stream = environ["wsgi.input"]

    def read_body(limit: int) -> bytes:
        if content_length is not None:
            return stream.read(min(content_length, limit))
        return stream.read(limit)

    try:
        return gateway.answer_request(
            slug=slug,
            method=environ.get("REQUEST_METHOD", ""),
            params=dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)),
            content_length=content_length,
            read_body=read_body,
        )
    except DatabaseError:
        # WeChat retries; the citizen sees nothing worse than a delay.
        logger.exception("Database unavailable while answering a callback")
        return gateway.Answer(503, b"database unavailable")
    except Exception:
        logger.exception("Unexpected error while answering a callback")
        return gateway.Answer(500, b"internal error")


def with_lean_callback(django_application: Any) -> Any:
    """Wrap the project's WSGI application so /wx/ is served by callback_application."""

    def application(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO", "").startswith(CALLBACK_PREFIX):
            return callback_application(environ, start_response)
        return django_application(environ, start_response)

    return application
