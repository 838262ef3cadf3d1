"""Without Redis, the default cache lives in the database, so every process sees one value."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache.backends.db import DatabaseCache
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]


def test_without_redis_the_default_cache_of_dev_and_production_is_the_database():
    code = (
        "import os; os.environ.pop('REDIS_URL', None); "
        "from django.conf import settings; import django; django.setup(); "
        "print(settings.CACHES['default']['BACKEND'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "weizheng.settings.dev", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "django.core.cache.backends.db.DatabaseCache", result.stderr


@pytest.mark.django_db
def test_migrate_creates_the_cache_table_and_two_cache_clients_share_a_value():
    assert "weizheng_cache" in connection.introspection.table_names()
    # Two cache objects stand for two processes: what one writes, the other reads.
    writer = DatabaseCache("weizheng_cache", {})
    reader = DatabaseCache("weizheng_cache", {})
    writer.set("records:link:abc", {"plate": "粤B·12345"}, 60)
    assert reader.get("records:link:abc") == {"plate": "粤B·12345"}
