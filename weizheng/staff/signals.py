"""Failed sign-ins and lockouts in the audit log (successful ones are written by the views), so
an agency's IT staff see which user is being guessed at and from where."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from weizheng.core.actions import do_audit
from weizheng.core.http import client_ip


@receiver(user_login_failed)
def audit_failed_sign_in(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    if getattr(request, "axes_locked_out", False):
        return  # a locked-out attempt: django-axes signals it, audit_lockout records it
    username = str(credentials.get("username", ""))[:150]
    do_audit(
        action="staff.login.failed",
        actor_label=username[:64] or "?",
        detail={"username": username},
        ip_address=client_ip(request),
    )


def audit_lockout(
    sender: Any, request: Any = None, username: str = "", ip_address: str = "", **kwargs: Any
) -> None:
    do_audit(
        action="staff.login.locked",
        actor_label=(username or "?")[:64],
        detail={"username": username},
        ip_address=ip_address or client_ip(request),
    )
