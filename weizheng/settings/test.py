"""Test settings: the dev profile with tasks run immediately and fast password hashing."""

import os

os.environ.setdefault("WEIZHENG_TASK_BACKEND", "immediate")

from .dev import *  # noqa: E402, F403
from .dev import DATABASES, VAR_DIR  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not shared-cache memory: handler threads and concurrency tests need SQLite's real
    # locking (WAL, busy timeout), which shared-cache in-memory databases do not honour.
    # One file per test process, so several runs on one machine (a developer's and CI's) never
    # share it; Django deletes it when the run ends.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get(
            "WEIZHENG_TEST_DB", str(VAR_DIR / f"test-weizheng-{os.getpid()}.sqlite3")
        )
    }
WECHAT_HTTP_RETRIES = 1
WECHAT_HTTP_BACKOFF_SECONDS = 0.01
# Handler threads close their connection after each message, so no connection outlives a test
# (PostgreSQL refuses to drop a test database that still has sessions).
DATABASES["default"]["CONN_MAX_AGE"] = 0
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Likewise one PostgreSQL test database per test process.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get(
            "WEIZHENG_TEST_DB", f"test_{DATABASES['default']['NAME']}_{os.getpid()}"
        )
    }
if not os.environ.get("REDIS_URL"):
    # Tests clear cached values around each test, also in tests without a database; the shared
    # database cache of dev and production is covered by core's test_cache.py.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
