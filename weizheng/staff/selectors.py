"""Which accounts a staff member may see or change: every back-office read goes through here."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
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
