"""Base settings, read from the environment.

Production-safe by default: DEBUG off, the mock WeChat platform not mounted, secrets required.
`dev.py` and `test.py` override what a developer machine needs.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("WEIZHENG_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


DEBUG = env_bool("WEIZHENG_DEBUG", False)
SECRET_KEY = env("WEIZHENG_SECRET_KEY") or ""
ALLOWED_HOSTS = [h for h in (env("WEIZHENG_ALLOWED_HOSTS") or "").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in (env("WEIZHENG_CSRF_TRUSTED_ORIGINS") or "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "weizheng.core",
    "weizheng.staff",
    "weizheng.wechat",
    "weizheng.followers",
    "weizheng.menus",
    "weizheng.replies",
    "weizheng.search",
    "weizheng.content",
    "weizheng.notifications",
    "weizheng.broadcasts",
    "weizheng.identity",
    "weizheng.eservices",
    "weizheng.records",
    "weizheng.appointments",
    "weizheng.payments",
    "weizheng.inquiries",
    "weizheng.open311",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Every asset is served by the app itself: government intranets have no CDN.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the session passed the second factor (TOTP).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it answers locked-out logins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "weizheng.urls"
WSGI_APPLICATION = "weizheng.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "weizheng" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite by default (a file under var/), PostgreSQL when DATABASE_URL says so. Connections are
# persistent: opening a SQLite connection per request costs a WAL checkpoint on close and cut the
# callback's throughput to a quarter in the prototype (docs/performance.md).
DATABASE_URL = env("DATABASE_URL")
CONN_MAX_AGE = env_int("WEIZHENG_CONN_MAX_AGE", 600)
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=CONN_MAX_AGE, conn_health_checks=True
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "weizheng.sqlite3"),
            "CONN_MAX_AGE": CONN_MAX_AGE,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                # IMMEDIATE: a write transaction takes the lock at BEGIN, so two writers never
                # deadlock upgrading a read lock; WAL lets readers run beside the writer.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis (optional) ------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "weizheng",
        }
    }
else:
    # In the database, not in process memory: web workers, the task worker and the commands must
    # see the same short-lived values (record-query links, the working-day calendar). The table
    # is created by core's migration 0003.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "weizheng_cache",
        }
    }

# --- Background work -------------------------------------------------------------------------
# django-tasks: the database backend by default; RQ on Redis for several machines.
TASK_BACKEND = env("WEIZHENG_TASK_BACKEND", "db")
if TASK_BACKEND == "rq":
    if not REDIS_URL:
        raise ImproperlyConfigured("WEIZHENG_TASK_BACKEND=rq needs REDIS_URL.")
    INSTALLED_APPS += ["django_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL}, "priority": {"URL": REDIS_URL}}
    TASKS = {
        "default": {
            "BACKEND": "django_tasks_rq.RQBackend",
            "QUEUES": ["default", "priority"],
        }
    }
elif TASK_BACKEND == "immediate":
    TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "priority"],
        }
    }
else:
    TASKS = {
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": ["default", "priority"],
        }
    }

# --- Auth and security -----------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out username/IP before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lock a username (from any address) after this many failed logins, for this long.
AXES_FAILURE_LIMIT = env_int("WEIZHENG_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_float("WEIZHENG_LOGIN_COOLOFF_HOURS", 0.5)
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address", "user_agent"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "staff/locked_out.html"
AXES_VERBOSE = False
LOGIN_URL = "staff:login"
LOGIN_REDIRECT_URL = "staff:home"
# The TOTP issuer shown in authenticator apps.
OTP_TOTP_ISSUER = env("WEIZHENG_OTP_ISSUER", "微政 Weizheng")
# Staff must pass TOTP to use the back office; the demo and tests may turn it off.
STAFF_REQUIRE_TOTP = env_bool("WEIZHENG_STAFF_REQUIRE_TOTP", True)
# Behind a reverse proxy (nginx) that terminates TLS: trust its X-Forwarded-Proto/Host, so OAuth
# redirect URIs and CSRF checks see the public https address, and its X-Forwarded-For, so the
# lockout counts the citizen's or clerk's address rather than the proxy's.
if env_bool("WEIZHENG_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
    AXES_IPWARE_PROXY_COUNT = env_int("WEIZHENG_PROXY_COUNT", 1)
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("WEIZHENG_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "SAMEORIGIN"
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- i18n ------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "weizheng" / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"

# --- Weizheng --------------------------------------------------------------------------------
# Keys for personal data and secrets at rest: comma-separated url-safe base64 32-byte keys, the
# first one encrypts, all of them decrypt (rotation). Required outside DEBUG.
FIELD_ENCRYPTION_KEYS = [k for k in (env("WEIZHENG_FIELD_KEYS") or "").split(",") if k]
# The key of blind indexes (HMAC-SHA256 of a normalised ID or phone number), which let encrypted
# columns be looked up by exact value. Unlike the field keys it cannot rotate without re-indexing
# every row, so it is its own setting. Url-safe base64, 32 bytes. Required outside DEBUG.
FIELD_BLIND_INDEX_KEY = env("WEIZHENG_BLIND_INDEX_KEY", "") or ""

WECHAT_API_BASE_URL = env("WEIZHENG_WECHAT_API_BASE_URL", "https://api.weixin.qq.com")
# The deployment's public address (https://wx.pingan.gov.cn): links in replies and messages to
# citizens' H5 pages are built from it. Unset, replies that need a link fall back to text.
PUBLIC_BASE_URL = env("WEIZHENG_PUBLIC_BASE_URL", "") or ""
WECHAT_CALLBACK_MAX_BYTES = env_int("WEIZHENG_CALLBACK_MAX_BYTES", 1_048_576)
WECHAT_TIMESTAMP_WINDOW_SECONDS = env_int("WEIZHENG_TIMESTAMP_WINDOW_SECONDS", 300)
# WeChat gives up after 5 s; answer "success" at this point and deliver the reply later.
WECHAT_REPLY_BUDGET_SECONDS = env_float("WEIZHENG_REPLY_BUDGET_SECONDS", 4.5)
WECHAT_HANDLER_THREADS = env_int("WEIZHENG_HANDLER_THREADS", 16)
WECHAT_HTTP_TIMEOUT_SECONDS = env_float("WEIZHENG_WECHAT_HTTP_TIMEOUT", 5.0)
WECHAT_HTTP_RETRIES = env_int("WEIZHENG_WECHAT_HTTP_RETRIES", 2)
# Refresh the access token this long before WeChat expires it. Under 300 s: stable_token hands out
# the same token until its last 5 minutes, so an earlier refresh only repeats the call.
WECHAT_TOKEN_REFRESH_MARGIN_SECONDS = env_int("WEIZHENG_TOKEN_REFRESH_MARGIN", 240)
# WeChat Pay API v3: the gateway of every merchant without its own address (the mock WeChat Pay
# at <host>/wxmock/pay in dev and tests), and the timeout of each call.
WECHATPAY_API_BASE_URL = env("WEIZHENG_WECHATPAY_API_BASE_URL", "https://api.mch.weixin.qq.com")
WECHATPAY_HTTP_TIMEOUT_SECONDS = env_float("WEIZHENG_WECHATPAY_HTTP_TIMEOUT", 10.0)
# The mock WeChat platform (dev, demo, tests); never in production.
WECHAT_MOCK_ENABLED = env_bool("WEIZHENG_MOCK_WECHAT", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("WEIZHENG_LOG_LEVEL", "INFO")},
    # django-axes logs every sign-in at INFO; failures and lockouts are WARNING.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}


def require_production_secrets() -> None:
    """Refuse to start outside DEBUG without the secrets production needs."""
    missing = []
    if not SECRET_KEY:
        missing.append("WEIZHENG_SECRET_KEY")
    if not FIELD_ENCRYPTION_KEYS:
        missing.append("WEIZHENG_FIELD_KEYS")
    if not FIELD_BLIND_INDEX_KEY:
        missing.append("WEIZHENG_BLIND_INDEX_KEY")
    if not ALLOWED_HOSTS:
        missing.append("WEIZHENG_ALLOWED_HOSTS")
    if missing:
        raise ImproperlyConfigured(
            "Production settings need these environment variables: " + ", ".join(missing)
        )


WECHAT_HTTP_BACKOFF_SECONDS = env_float("WEIZHENG_WECHAT_HTTP_BACKOFF", 0.5)
# Claims and replies of the callback are written by one writer thread per process, sharing commits
# between concurrent requests (docs/performance.md). Off: one INSERT and one UPDATE per message.
WECHAT_GROUP_COMMIT = env_bool("WEIZHENG_GROUP_COMMIT", True)
# With REDIS_URL: claims and replies in Redis, interaction-log rows written behind the answer
# (weizheng/wechat/fastpath.py). Off by default: the database path stores every message first.
WECHAT_REDIS_FAST_PATH = env_bool("WEIZHENG_REDIS_FAST_PATH", False)

# --- Notifications (weizheng/notifications, docs/notifications.md) ---------------------------------
# Token bucket per account and WeChat API: calls a second and burst size.
NOTIFICATIONS_RATE_PER_SECOND = env_float("WEIZHENG_NOTIFY_RATE", 20.0)
NOTIFICATIONS_RATE_BURST = env_float("WEIZHENG_NOTIFY_BURST", 20.0)
NOTIFICATIONS_RATE_OVERRIDES: dict[str, tuple[float, float]] = {}
# Transient failures are retried with backoff for this long, then marked failed.
NOTIFICATIONS_RETRY_HOURS = env_float("WEIZHENG_NOTIFY_RETRY_HOURS", 12.0)
# A notification left "sending" this long by a dead worker goes back to the queue.
NOTIFICATIONS_STUCK_MINUTES = env_int("WEIZHENG_NOTIFY_STUCK_MINUTES", 10)
# The SMS fallback's gateway (a class with send(phone, text)); the default only logs.
NOTIFICATIONS_SMS_GATEWAY = env("WEIZHENG_SMS_GATEWAY", "weizheng.notifications.sms.LogGateway")
# A callable (account, openid) -> phone number or None: by default the phone of the citizen's
# real-name binding (weizheng/identity), so bound citizens out of WeChat's reach get an SMS.
NOTIFICATIONS_PHONE_LOOKUP = (
    env("WEIZHENG_PHONE_LOOKUP", "weizheng.identity.selectors.phone_for_notifications") or ""
)
# Who confirms that a name and an ID number belong together when a citizen binds (a class with
# verify(); docs/identity.md). The default only checks that the ID number is well formed: a real
# deployment plugs in the public-security identity check here.
IDENTITY_VERIFIER = env("WEIZHENG_IDENTITY_VERIFIER", "weizheng.identity.verifiers.AcceptValidIds")

# Open311 GeoReport v2 (/open311/v2/, docs/open311.md): posts allowed per API key per window, and
# what the discovery document tells client developers (whom to ask, where keys come from).
OPEN311_POST_LIMIT = env_int("WEIZHENG_OPEN311_POST_LIMIT", 60)
OPEN311_POST_WINDOW_SECONDS = env_int("WEIZHENG_OPEN311_POST_WINDOW_SECONDS", 60)
OPEN311_CONTACT = env("WEIZHENG_OPEN311_CONTACT", "") or ""
OPEN311_KEY_SERVICE = env("WEIZHENG_OPEN311_KEY_SERVICE", "") or ""
