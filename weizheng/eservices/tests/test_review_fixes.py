"""The second reviewer's defects of eservices: each test would have caught one of them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import translation

from weizheng.eservices import staff_views

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
