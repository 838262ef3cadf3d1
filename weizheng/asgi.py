import os

from django.core.asgi import get_asgi_application

# Production unless told otherwise: a server started without configuration must not run the
# development profile (DEBUG, the mock platform). `make demo` sets weizheng.settings.dev.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weizheng.settings.production")
application = get_asgi_application()
