import os
import sys

from django.core.wsgi import get_wsgi_application

# Production unless told otherwise: a server started without configuration must not run the
# development profile (DEBUG, the mock platform). `make demo` sets weizheng.settings.dev.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weizheng.settings.production")

django_application = get_wsgi_application()

# Imported once Django is set up: it loads models.
from weizheng.wechat.wsgi import with_lean_callback  # noqa: E402

application = with_lean_callback(django_application)

# Under load a request hands off to the claim writer and a handler thread and back; with Python's
# default 5 ms switch interval each hand-off can wait that long for the GIL (docs/performance.md).
sys.setswitchinterval(0.0005)
