"""Developer and demo settings: DEBUG, a development key, the mock WeChat platform mounted."""

import os

os.environ.setdefault("WEIZHENG_DEBUG", "1")
os.environ.setdefault("WEIZHENG_MOCK_WECHAT", "1")

from .base import *  # noqa: E402, F403
from .base import (  # noqa: E402
    ALLOWED_HOSTS,
    FIELD_BLIND_INDEX_KEY,
    FIELD_ENCRYPTION_KEYS,
    SECRET_KEY,
)

SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105
# A fixed development key so demo data survives restarts; production must set its own.
FIELD_ENCRYPTION_KEYS = FIELD_ENCRYPTION_KEYS or ["ZGV2LW9ubHkta2V5LWZvci13ZWl6aGVuZy1kZW1vISE="]
FIELD_BLIND_INDEX_KEY = FIELD_BLIND_INDEX_KEY or "ZGV2LW9ubHktYmxpbmQtaW5kZXgta2V5LXdlaXpoZW5n"
ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]
SESSION_COOKIE_SECURE = False
# Serve static files from the apps directly (no collectstatic step in development).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
VAR_DIR.mkdir(parents=True, exist_ok=True)  # noqa: F405
CSRF_COOKIE_SECURE = False
# SMS (binding codes, the notification fallback) shown in the phone simulator's SMS panel.
NOTIFICATIONS_SMS_GATEWAY = os.environ.get(
    "WEIZHENG_SMS_GATEWAY", "weizheng.simulator.sms.SimulatorGateway"
)

INSTALLED_APPS = [*INSTALLED_APPS, "weizheng.wechat_mock", "weizheng.simulator"]  # noqa: F405
# Staff e-mails (问政 reminders and escalations) go to the log in development and the demo.
EMAIL_BACKEND = os.environ.get(
    "WEIZHENG_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
