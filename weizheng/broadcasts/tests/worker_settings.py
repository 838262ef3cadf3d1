"""Settings of the `manage.py db_worker` the crash test starts and kills: the development
settings with the database task queue, pointed at the test run's database (SQLite file or
PostgreSQL database named by WEIZHENG_WORKER_DB_NAME), and a short lease so a dead sender's
chunks are taken over within seconds."""

import os

os.environ["WEIZHENG_TASK_BACKEND"] = "db"

from weizheng.settings.dev import *  # noqa: E402, F403
from weizheng.settings.dev import DATABASES  # noqa: E402

DATABASES["default"]["NAME"] = os.environ["WEIZHENG_WORKER_DB_NAME"]
DATABASES["default"]["CONN_MAX_AGE"] = 0
WEIZHENG_BROADCAST_LEASE_SECONDS = float(os.environ.get("WEIZHENG_WORKER_LEASE", "3"))
WECHAT_HTTP_TIMEOUT_SECONDS = 10.0
WECHAT_HTTP_RETRIES = 1
WECHAT_HTTP_BACKOFF_SECONDS = 0.05
