"""The callback endpoint /wx/<slug>/ as a Django view: a thin adapter around gateway.py.

In production the WSGI entry point serves /wx/ through the bare adapter in wsgi.py instead; both
call gateway.answer_request.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from . import gateway


@csrf_exempt  # WeChat cannot send a CSRF token; every request is signed instead.
def callback(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        declared: int | None = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = None
    answer = gateway.answer_request(
        slug=slug,
        method=request.method or "",
        params=request.GET,
        content_length=declared,
        read_body=lambda limit: bytes(request.read(limit)),
    )
    response = HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)
    if answer.status == 405:
        response["Allow"] = "GET, POST"
    return response
