"""Which accounts a staff member may see or change: every back-office read goes through here."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from weizheng.wechat.models import OfficialAccount

from .permissions import roles_granting


def accounts_for(user: Any, permission: str) -> QuerySet[OfficialAccount]:
    """The accounts on which `user` holds `permission` through a role in a department.

    Superusers (the platform's own operators) hold every permission on every account.
    """
    roles = roles_granting(permission)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return OfficialAccount.objects.none()
    if user.is_superuser:
        return OfficialAccount.objects.all()
    return OfficialAccount.objects.filter(
        departments__memberships__user=user, departments__memberships__role__in=roles
    ).distinct()


def can(user: Any, permission: str, account: OfficialAccount) -> bool:
    return accounts_for(user, permission).filter(pk=account.pk).exists()


def access_account(user: Any, account_id: Any, permission: str = "account.view") -> OfficialAccount:
    """The account if `user` may do `permission` on it.

    404 when the user may not even see it (so nothing tells them it exists), PermissionDenied
    when they see it but lack the permission.
    """
    visible = accounts_for(user, "account.view").filter(pk=account_id).first()
    if visible is None:
        raise Http404("No such official account.")
    if permission != "account.view" and not can(user, permission, visible):
        raise PermissionDenied(f"Your roles do not allow {permission} on {visible.name}.")
    return visible


def permissions_on(user: Any, account: OfficialAccount) -> frozenset[str]:
    """Every permission `user` holds on `account` (one query), for navigation and buttons."""
    from .models import Membership
    from .permissions import ALL_PERMISSIONS, ROLE_PERMISSIONS

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return ALL_PERMISSIONS
    roles = Membership.objects.filter(user=user, department__accounts=account).values_list(
        "role", flat=True
    )
    return frozenset().union(*(ROLE_PERMISSIONS.get(role, frozenset()) for role in set(roles)))


def permissions_anywhere(user: Any) -> frozenset[str]:
    """Every permission `user` holds on at least one account."""
    from .models import Membership
    from .permissions import ALL_PERMISSIONS, ROLE_PERMISSIONS

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return ALL_PERMISSIONS
    roles = Membership.objects.filter(user=user, department__accounts__isnull=False).values_list(
        "role", flat=True
    )
    return frozenset().union(*(ROLE_PERMISSIONS.get(role, frozenset()) for role in set(roles)))


def has_back_office_access(user: Any) -> bool:
    """Platform operators, and staff with at least one role in a department."""
    from .models import Membership

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or Membership.objects.filter(user=user).exists()


def audit_entries_for(
    user: Any, *, account: OfficialAccount | None = None, action: str = "", actor: str = ""
) -> QuerySet[Any]:
    """Audit rows `user` may read: those of accounts where they hold audit.view; platform
    operators also see rows not tied to an account (logins, platform settings)."""
    from weizheng.core.models import AuditLog

    entries = AuditLog.objects.select_related("actor", "account")
    if not user.is_superuser:
        entries = entries.filter(account__in=accounts_for(user, "audit.view"))
    if account is not None:
        entries = entries.filter(account=account)
    if action:
        entries = entries.filter(action__startswith=action)
    if actor:
        entries = entries.filter(Q(actor__username=actor) | Q(actor_label=actor))
    return entries.order_by("-created_at", "-id")
