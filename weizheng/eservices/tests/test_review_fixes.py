"""The second reviewer's defects of eservices: each test would have caught one of them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

from weizheng.core.errors import AppError
from weizheng.core.models import AuditLog
from weizheng.eservices import staff_views
from weizheng.eservices.actions import check_save_application, check_save_form
from weizheng.eservices.models import Application

from .conftest import CITIZEN, as_citizen

pytestmark = pytest.mark.django_db

H5 = "/h5/water/services"

# The keywords makemessages gives xgettext for Python sources (django/core/management/commands/
# makemessages.py), besides xgettext's own defaults (gettext, _, ...).
DJANGO_KEYWORDS = [
    "--keyword=gettext_noop",
    "--keyword=gettext_lazy",
    "--keyword=ngettext_lazy:1,2",
    "--keyword=pgettext:1c,2",
    "--keyword=npgettext:1c,2,3",
    "--keyword=pgettext_lazy:1c,2",
    "--keyword=npgettext_lazy:1c,2,3",
]


def extracted(source: Path) -> str:
    """What makemessages would put in the catalogue from one Python source."""
    if shutil.which("xgettext") is None:
        pytest.skip("xgettext (GNU gettext) is not installed")
    completed = subprocess.run(  # noqa: S603 - a fixed program on a file of the repository
        [
            "xgettext",
            "--language=Python",
            "--from-code=UTF-8",
            "-o",
            "-",
            *DJANGO_KEYWORDS,
            str(source),
        ],  # noqa: S607
        capture_output=True,
        check=True,
        text=True,
    )
    return completed.stdout


STEP_BUTTONS = [
    "Accept",
    "Return for correction",
    "Start the review",
    "Approve",
    "Reject",
    "Complete",
]


def test_every_step_button_of_an_application_is_extracted_for_translation():
    with translation.override("en"):
        assert sorted(str(label) for label in staff_views.STEP_LABELS.values()) == sorted(
            STEP_BUTTONS
        )
    catalogue = extracted(Path(staff_views.__file__))
    for label in STEP_BUTTONS:
        assert f'msgctxt "application step"\nmsgid "{label}"' in catalogue, label


# --- every problem of a form at once ----------------------------------------------------------
FOUR_REQUIRED = [
    {"key": "address", "label": "用水地址", "kind": "address"},
    {
        "key": "use",
        "label": "用水性质",
        "kind": "select",
        "choices": ["居民生活用水", "非居民用水"],
    },
    {"key": "moved_in", "label": "入住日期", "kind": "date"},
    {
        "key": "certificate",
        "label": "不动产权证书",
        "kind": "file",
        "file_types": ["pdf"],
        "max_size_kb": 1,
    },
]


@pytest.fixture
def four_required(world, online):
    check_save_form(guide=online, actor=world["carol"], fields=FOUR_REQUIRED, accepts_online=True)
    return online


def test_an_empty_submission_shows_every_missing_field_and_saves_nothing(world, four_required):
    client = as_citizen(Client(HTTP_ACCEPT_LANGUAGE="en"), world["water"], CITIZEN)
    response = client.post(f"{H5}/guides/{four_required.pk}/apply/", {"action": "submit"})
    assert response.status_code == 400
    page = response.content.decode()
    for key in ("address", "use", "moved_in", "certificate"):
        assert f'data-test="error-{key}"' in page, key
    assert "4 fields need correcting" in page
    assert Application.objects.count() == 0
    assert not AuditLog.objects.filter(action="eservices.application.save").exists()


def test_the_refusal_names_each_bad_field_with_its_own_reason(world, four_required):
    with pytest.raises(AppError) as refused:
        check_save_application(
            account=world["water"],
            guide=four_required,
            openid=CITIZEN,
            answers={"address": "平安市滨江大道 16 号", "use": "工业用水", "moved_in": "昨天"},
            submit=True,
        )
    assert refused.value.code == "answers_invalid"
    assert refused.value.extra["errors"] == {
        "use": "Choose one of the options of “用水性质”.",
        "moved_in": "“入住日期” is a date written as 2026-10-01.",
        "certificate": "Attach “不动产权证书”.",
    }
    assert Application.objects.count() == 0
