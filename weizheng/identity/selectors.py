"""Reads of real-name bindings. Other apps ask `active_binding` whether a citizen is bound."""

from __future__ import annotations

from typing import Any

from .models import Binding


def active_binding(*, account: Any, openid: str) -> Binding | None:
    """The citizen's current binding on this account, or None (never another openid's)."""
    if not openid:
        return None
    return Binding.objects.filter(account=account, openid=openid, unbound_at__isnull=True).first()
