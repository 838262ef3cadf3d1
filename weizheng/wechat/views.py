"""The callback endpoint /wx/<slug>/: a thin adapter around gateway.py."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import gateway
from .selectors import get_account_for_callback


@csrf_exempt  # WeChat cannot send a CSRF token; every request is signed instead.
@require_http_methods(["GET", "POST"])
def callback(request: HttpRequest, slug: str) -> HttpResponse:
    account = get_account_for_callback(slug)
    if account is None:
        return HttpResponse(b"unknown account", status=404, content_type=gateway.TEXT_CONTENT_TYPE)
    if request.method == "GET":
        answer = gateway.answer_check(account, request.GET)
    else:
        # Refuse an oversized body before reading it.
        try:
            declared = int(request.headers.get("Content-Length") or 0)
        except ValueError:
            declared = 0
        if declared > settings.WECHAT_CALLBACK_MAX_BYTES:
            gateway.record_rejection(account, "too_large")
            return HttpResponse(b"too_large", status=413, content_type=gateway.TEXT_CONTENT_TYPE)
        answer = gateway.answer_message(account, request.GET, request.body)
    return HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)
