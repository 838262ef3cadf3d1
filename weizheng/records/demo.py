"""Demo data of 综合查询: the police account offers traffic violations and licence points through
the demo connectors, and exit-entry progress through the generic HTTP connector calling the fake
backend on the mock platform's server (weizheng/records/fake_backend.py); the water and expo
accounts offer none."""

from __future__ import annotations

import os

from weizheng.wechat.models import OfficialAccount

from . import actions
from .fake_backend import DEMO_HMAC_SECRET, DEMO_KEY_ID, EXIT_ENTRY_BODY, EXIT_ENTRY_MAPPING
from .models import HttpConnectorConfig, Mode, QuerySetting
from .query_types import EXIT_ENTRY, LICENCE_POINTS, VIOLATIONS


def fake_backend_url() -> str:
    """The fake backend on the mock platform's server (its own process, see scripts/demo.sh)."""
    port = os.environ.get("MOCK_PORT", "8001")
    return f"http://127.0.0.1:{port}/fake-backend/records/exit-entry/"


def load_demo() -> None:
    police = OfficialAccount.objects.filter(slug="police").first()
    if police is None:
        return
    config = HttpConnectorConfig.objects.filter(account=police, query_type=EXIT_ENTRY).first()
    if config is None or config.url_template != fake_backend_url():
        _save_exit_entry_connector(police)
    for code, mode in (
        (VIOLATIONS, Mode.DEMO),
        (LICENCE_POINTS, Mode.DEMO),
        (EXIT_ENTRY, Mode.HTTP),
    ):
        current = QuerySetting.objects.filter(account=police, query_type=code).first()
        if current is None or current.mode != mode:
            actions.do_set_mode(account=police, code=code, mode=mode, actor=None)
    # The water and expo accounts: every query off (no rows means off; nothing to write).


def _save_exit_entry_connector(police: OfficialAccount) -> None:
    actions.check_save_http_connector(
        account=police,
        code=EXIT_ENTRY,
        data=actions.HttpConnectorInput(
            url_template=fake_backend_url(),
            method="POST",
            auth_kind="hmac",
            auth_username=DEMO_KEY_ID,
            secret=DEMO_HMAC_SECRET,
            signature_header="X-Weizheng-Signature",
            timeout_seconds=5.0,
            mapping=EXIT_ENTRY_MAPPING,
            body_template=EXIT_ENTRY_BODY,
        ),
        actor=None,
    )
