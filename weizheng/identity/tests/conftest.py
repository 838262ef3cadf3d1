from __future__ import annotations

import pytest
from django.utils import translation

from weizheng.identity import testing


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    """Texts go to testing.OUTBOX; assertions read the English wording."""
    settings.NOTIFICATIONS_SMS_GATEWAY = "weizheng.identity.testing.OutboxGateway"
    testing.OUTBOX.clear()
    with translation.override("en"):
        yield testing.OUTBOX
    testing.OUTBOX.clear()
