"""The SMS fallback: when WeChat cannot reach a citizen (not following, template refused), a text
message to the phone number their real-name binding holds. Pluggable: settings.NOTIFICATIONS_SMS_
GATEWAY names a class with `send(phone, text) -> str`; the default only logs (no provider is
configured in a fresh deployment). The phone number comes from settings.NOTIFICATIONS_PHONE_LOOKUP,
a callable (account, openid) -> str | None that identity binding provides."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsGateway(Protocol):
    def send(self, phone: str, text: str) -> str:
        """Send; return the provider's message id. Raise on failure."""
        ...


class LogGateway:
    """Writes the SMS to the log instead of sending it (the default)."""

    def send(self, phone: str, text: str) -> str:
        masked = phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "***"
        logger.info("SMS to %s: %s", masked, text)
        return "logged"


def gateway() -> SmsGateway | None:
    path = settings.NOTIFICATIONS_SMS_GATEWAY
    return import_string(path)() if path else None


def phone_for(account: Any, openid: str) -> str | None:
    path = settings.NOTIFICATIONS_PHONE_LOOKUP
    if not path:
        return None
    lookup = import_string(path)
    return lookup(account, openid) or None
