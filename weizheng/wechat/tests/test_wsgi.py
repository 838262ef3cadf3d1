"""The WSGI entry point: /wx/ through the lean handler, everything else through Django's."""

from __future__ import annotations

import io
from wsgiref.util import setup_testing_defaults

import pytest

from weizheng.wechat.gateway import flush_pending_writes
from weizheng.wechat.models import InboundMessage
from weizheng.wechat.protocol.xmlparse import parse_xml
from weizheng.wechat.testing import signed_request, text_xml

pytestmark = pytest.mark.django_db(transaction=True)


def call(path, *, method="GET", query="", body=b""):
    from weizheng.wsgi import application

    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_TYPE": "text/xml",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    setup_testing_defaults(environ)
    captured = {}

    def start_response(status, headers, exc_info=None):
        captured["status"] = int(status.split()[0])
        captured["headers"] = dict(headers)

    content = b"".join(application(environ, start_response))
    return captured["status"], captured["headers"], content


def test_the_callback_is_answered_without_middleware(plain_account):
    query, body = signed_request(
        plain_account, text_xml(plain_account, "oWSGI0000000000000000000000001", "你好")
    )
    status, headers, content = call("/wx/police/", method="POST", query=query, body=body)
    flush_pending_writes()
    assert status == 200
    assert "平安市公安局" in parse_xml(content)["Content"]
    assert "Set-Cookie" not in headers and "X-Frame-Options" not in headers  # no middleware ran
    assert InboundMessage.objects.get().status == "replied"


def test_a_forged_callback_is_refused_by_the_lean_handler(plain_account):
    status, _headers, _content = call(
        "/wx/police/", method="POST", query="signature=x&timestamp=1&nonce=2", body=b"<xml/>"
    )
    assert status == 403


def test_other_paths_keep_the_full_middleware_stack(db):
    status, headers, _content = call("/admin/")
    assert status == 302
    assert headers.get("X-Frame-Options") == "SAMEORIGIN"
