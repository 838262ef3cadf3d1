"""Helpers for other apps' tests: a bound citizen without going through the SMS flow."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from weizheng.core.crypto import blind_index

from .idcard import normalise
from .models import ID_NUMBER_CONTEXT, PHONE_CONTEXT, Binding, Consent

NOTICE_VERSION_FOR_TESTS = "test"


def make_binding(
    *,
    account: Any,
    openid: str,
    name: str = "张三",
    id_number: str = "11010519491231002X",
    phone: str = "13800138000",
) -> Binding:
    """An active binding written directly (with a consent row), as the flow would leave it."""
    id_number = normalise(id_number)
    now = timezone.now()
    binding = Binding.objects.create(
        account=account,
        openid=openid,
        name=name,
        id_number=id_number,
        phone=phone,
        id_number_index=blind_index(id_number, context=ID_NUMBER_CONTEXT),
        phone_index=blind_index(phone, context=PHONE_CONTEXT),
        verified_by="test",
        bound_at=now,
    )
    Consent.objects.create(
        account=account,
        openid=openid,
        binding=binding,
        purpose="test",
        notice_version=NOTICE_VERSION_FOR_TESTS,
        given_at=now,
    )
    return binding


class OutboxGateway:
    """An SMS gateway for tests: keeps (phone, text) in OUTBOX instead of sending.

    settings.NOTIFICATIONS_SMS_GATEWAY = "weizheng.identity.testing.OutboxGateway"
    """

    def send(self, phone: str, text: str) -> str:
        OUTBOX.append((phone, text))
        return f"outbox-{len(OUTBOX)}"


OUTBOX: list[tuple[str, str]] = []


def last_code(phone: str) -> str:
    """The 6-digit code of the newest text to `phone` in OUTBOX."""
    import re

    for to, text in reversed(OUTBOX):
        if to == phone:
            match = re.search(r"\d{6}", text)
            if match:
                return match.group(0)
    raise AssertionError(f"no code was sent to {phone}")
