import os
import sys

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weizheng.settings.dev")

from weizheng.wechat.wsgi import with_lean_callback  # noqa: E402 - after settings are chosen

application = with_lean_callback(get_wsgi_application())

# Under load a request hands off to the claim writer and a handler thread and back; with Python's
# default 5 ms switch interval each hand-off can wait that long for the GIL (docs/performance.md).
sys.setswitchinterval(0.0005)
