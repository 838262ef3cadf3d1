"""Which accounts a staff member may see or change: every back-office read goes through here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import pgettext_lazy

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


@dataclass(frozen=True)
class ReviewQueue:
    """One kind of item that goes through 三审 (its model takes core.review.Reviewable's fields):
    the permissions of its two steps, its back-office page and what waits for nobody."""

    model: str
    first_permission: str
    final_permission: str
    url_name: str
    kind: Any
    excluded: dict[str, Any] = field(default_factory=dict)


REVIEW_QUEUES = (
    ReviewQueue(
        "content.Item",
        "content.review",
        "content.approve",
        "office-content:item",
        pgettext_lazy("review queue", "Content item"),
    ),
    ReviewQueue(
        "broadcasts.Broadcast",
        "broadcasts.review",
        "broadcasts.approve",
        "office-broadcasts:detail",
        pgettext_lazy("review queue", "Broadcast"),
        excluded={"state": "cancelled"},  # a cancelled broadcast waits for nobody
    ),
    ReviewQueue(
        "eservices.ServiceGuide",
        "guides.review",
        "guides.approve",
        "office-eservices:guide",
        pgettext_lazy("review queue", "Service guide"),
    ),
)
REVIEW_PERMISSIONS = frozenset(
    permission
    for queue in REVIEW_QUEUES
    for permission in (queue.first_permission, queue.final_permission)
)


def may_review_anything(user: Any) -> bool:
    """Whether `user` holds a first- or final-review permission on some account."""
    return bool(permissions_anywhere(user) & REVIEW_PERMISSIONS)


def awaiting_review_by(user: Any, *, limit: int = 100) -> list[dict[str, Any]]:
    """The items waiting for a review step `user` may take, across the accounts where they hold
    that step's permission, oldest submission first: the first review (初审) where they review,
    the final one (终审) where they approve. Never their own items, nor at the final step those
    they first-reviewed themselves (core.review.check_approve refuses both)."""
    from django.apps import apps

    from weizheng.core.review import ReviewStatus

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    rows: list[dict[str, Any]] = []
    for queue in REVIEW_QUEUES:
        model = apps.get_model(queue.model)
        first = accounts_for(user, queue.first_permission)
        final = accounts_for(user, queue.final_permission)
        steps = Q(review_status=ReviewStatus.FIRST_REVIEW, account__in=first) | (
            Q(review_status=ReviewStatus.FINAL_REVIEW, account__in=final) & ~Q(first_reviewer=user)
        )
        items = model.objects.filter(steps).exclude(author=user)
        if queue.excluded:
            items = items.exclude(**queue.excluded)
        for item in items.select_related("account", "author").order_by("submitted_at", "pk")[
            :limit
        ]:
            rows.append(
                {
                    "item": item,
                    "account": item.account,
                    "kind": queue.kind,
                    "url_name": queue.url_name,
                    "is_final": item.review_status == ReviewStatus.FINAL_REVIEW,
                }
            )
    rows.sort(key=lambda row: (row["item"].submitted_at is None, row["item"].submitted_at))
    return rows[:limit]
