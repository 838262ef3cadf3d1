"""The baseline of bench/callback.py: a bare wechatpy + Django echo of WeChat's callback.

A standalone Django project in one file (settings in code, one URL, no middleware, no database):
verify the plain-mode signature with wechatpy, parse the message with wechatpy, answer with a
wechatpy TextReply. It is what "the simplest correct callback" costs under the same gunicorn
configuration as Weizheng, so Weizheng's figures are read as a ratio to it.

Served as `gunicorn echo_app:application` with bench/ as the working directory. It is not a
benchmark script itself: `make bench` runs bench/*.py, so it does nothing when run directly.
"""

from __future__ import annotations

import os

from django.conf import settings

TOKEN = os.environ.get("BENCH_ECHO_TOKEN", "benchtoken")
# The same text Weizheng's built-in fallback answers, so both replies have the same size.
REPLY = "Bench已收到您的消息。请使用下方菜单办理业务。"

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-echo-only",  # noqa: S106
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=[],
        INSTALLED_APPS=[],
        DATABASES={},
        USE_I18N=False,
        USE_TZ=True,
    )

import django  # noqa: E402

django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402
from wechatpy import parse_message  # noqa: E402
from wechatpy.exceptions import InvalidSignatureException  # noqa: E402
from wechatpy.replies import TextReply  # noqa: E402
from wechatpy.utils import check_signature  # noqa: E402


@csrf_exempt
def callback(request, slug: str) -> HttpResponse:
    try:
        check_signature(
            TOKEN,
            request.GET.get("signature", ""),
            request.GET.get("timestamp", ""),
            request.GET.get("nonce", ""),
        )
    except InvalidSignatureException:
        return HttpResponse(b"bad signature", status=403, content_type="text/plain")
    if request.method == "GET":
        return HttpResponse(request.GET.get("echostr", ""), content_type="text/plain")
    message = parse_message(request.body)
    xml = TextReply(message=message, content=REPLY).render()
    return HttpResponse(xml, content_type="application/xml; charset=utf-8")


urlpatterns = [path("wx/<slug:slug>/", callback)]
application = get_wsgi_application()

if __name__ == "__main__":
    print("bench/echo_app.py is served by bench/callback.py under gunicorn; nothing to run.")
