"""Writes shared by every app."""

from __future__ import annotations

from typing import Any

from django.db import models

from .models import AuditLog


def do_audit(
    *,
    action: str,
    actor: Any = None,
    actor_label: str = "",
    account: Any = None,
    target: models.Model | None = None,
    detail: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AuditLog:
    """Write one audit row. Call it inside the action's transaction so both land or neither."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditLog.objects.create(
        action=action,
        actor=actor,
        actor_label=actor_label or ("" if actor else "system"),
        account=account,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        detail=detail or {},
        ip_address=ip_address,
    )
