"""Production settings refuse to start without secrets and never mount the mock platform."""

import os
import subprocess
import sys
from pathlib import Path

from weizheng.core.crypto import generate_key

ROOT = Path(__file__).resolve().parents[3]


def run_with_production_settings(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("WEIZHENG_", "DJANGO_"))}
    clean.update({"DJANGO_SETTINGS_MODULE": "weizheng.settings.production", **env})
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


SECRETS = {
    "WEIZHENG_SECRET_KEY": "x" * 50,
    "WEIZHENG_FIELD_KEYS": generate_key(),
    "WEIZHENG_BLIND_INDEX_KEY": generate_key(),
    "WEIZHENG_ALLOWED_HOSTS": "weizheng.example.gov.cn",
}


def test_production_refuses_to_start_without_its_secrets():
    result = run_with_production_settings("print('started')")
    assert result.returncode != 0
    assert "WEIZHENG_SECRET_KEY" in result.stderr and "WEIZHENG_FIELD_KEYS" in result.stderr
    assert "WEIZHENG_BLIND_INDEX_KEY" in result.stderr


def test_production_refuses_the_mock_platform():
    result = run_with_production_settings("print('started')", WEIZHENG_MOCK_WECHAT="1", **SECRETS)
    assert result.returncode != 0
    assert "mock WeChat platform must not run in production" in result.stderr


def test_production_does_not_mount_the_mock_platform():
    code = (
        "from django.urls import resolve, Resolver404\n"
        "try:\n    resolve('/wxmock/cgi-bin/token'); print('mounted')\n"
        "except Resolver404:\n    print('absent')\n"
        "resolve('/wx/police/'); print('callback')"
    )
    result = run_with_production_settings(code.replace("\n", "\n"), **SECRETS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["absent", "callback"]


def test_the_wsgi_entry_point_defaults_to_production():
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("WEIZHENG_", "DJANGO_"))}
    result = subprocess.run(
        [sys.executable, "-c", "import weizheng.wsgi"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "WEIZHENG_SECRET_KEY" in result.stderr
