"""Reads of the notification service: a citizen's history, delivery figures, paused lanes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from weizheng.wechat.models import OfficialAccount

from . import registry
from .models import LanePause, Notification, NotificationTemplate, Status


def history_for(
    *, account: OfficialAccount, openid: str, limit: int = 50
) -> QuerySet[Notification]:
    """What the account sent one citizen, newest first."""
    return Notification.objects.filter(account=account, openid=openid).order_by(
        "-created_at", "-pk"
    )[:limit]


def delivery_figures(
    *, account: OfficialAccount, days: int = 7, now: datetime | None = None
) -> dict[str, Any]:
    """Counts by status and channel, and per kind, over the last `days` days."""
    since = (now or timezone.now()) - timedelta(days=days)
    rows = Notification.objects.filter(account=account, created_at__gte=since)
    by_status = dict(rows.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    by_channel = dict(
        rows.filter(status=Status.SENT)
        .values_list("channel")
        .annotate(n=Count("pk"))
        .values_list("channel", "n")
    )
    kinds: dict[str, dict[str, int]] = {}
    for kind, status, n in rows.values_list("kind", "status").annotate(n=Count("pk")):
        kinds.setdefault(kind, {})[status] = n
    total = sum(by_status.values())
    return {
        "total": total,
        "by_status": by_status,
        "by_channel": by_channel,
        "kinds": [
            {
                "code": code,
                "label": getattr(registry.get(code), "label", code),
                "counts": counts,
                "total": sum(counts.values()),
            }
            for code, counts in sorted(kinds.items())
        ],
        "sent_share": round(100 * by_status.get(Status.SENT, 0) / total) if total else None,
    }


def recent_failures(*, account: OfficialAccount, limit: int = 20) -> QuerySet[Notification]:
    return Notification.objects.filter(account=account, status=Status.FAILED).order_by(
        "-created_at"
    )[:limit]


def paused_lanes(*, account: OfficialAccount, now: datetime | None = None) -> QuerySet[LanePause]:
    return LanePause.objects.filter(account=account, until__gt=now or timezone.now())


def templates_by_kind(*, account: OfficialAccount) -> list[dict[str, Any]]:
    """Every registered kind with the account's template for it, if any."""
    templates = {t.kind: t for t in NotificationTemplate.objects.filter(account=account)}
    return [{"kind": k, "template": templates.get(k.code)} for k in registry.all_kinds()]
