"""A WSGI handler for the callback alone, without middleware.

The callback is signed, CSRF-exempt and session-less; sessions, CSRF, locale, auth, messages and
static-file middleware only cost it time (16% of its CPU under load, docs/performance.md). The
project's WSGI entry point sends /wx/ here and everything else to Django's usual handler.
"""

from __future__ import annotations

from typing import Any

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler

CALLBACK_PREFIX = "/wx/"
CALLBACK_URLCONF = "weizheng.wechat.callback_urls"


class CallbackHandler(WSGIHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware: list[Any] = []
        self._template_response_middleware: list[Any] = []
        self._exception_middleware: list[Any] = []
        self._middleware_chain = convert_exception_to_response(self._get_response)  # type: ignore[attr-defined]

    def get_response(self, request):  # type: ignore[no-untyped-def]
        request.urlconf = CALLBACK_URLCONF
        return super().get_response(request)


def with_lean_callback(django_application):  # type: ignore[no-untyped-def]
    """Wrap the project's WSGI application so /wx/ bypasses the middleware."""
    callback_application = CallbackHandler()

    def application(environ, start_response):  # type: ignore[no-untyped-def]
        if environ.get("PATH_INFO", "").startswith(CALLBACK_PREFIX):
            return callback_application(environ, start_response)
        return django_application(environ, start_response)

    return application
