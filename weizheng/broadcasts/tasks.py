"""Background work of the broadcasts app: the sender and its watchdog."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from .models import Broadcast, SendState


@task()
def send_broadcast(*, broadcast_id: int, from_watchdog: bool = False) -> str:
    """Send a due broadcast chunk by chunk (see actions.dispatch_broadcast); safe to repeat."""
    from .actions import dispatch_broadcast

    return dispatch_broadcast(broadcast_id=broadcast_id, from_watchdog=from_watchdog)


@task()
def watch_broadcast(*, broadcast_id: int) -> str:
    """While a broadcast is sending, look again every lease: when its sender stopped beating
    (the worker died), start another one, which resumes at the first chunk not yet sent."""
    from .actions import _enqueue, lease

    row = Broadcast.objects.filter(pk=broadcast_id).values("state", "heartbeat_at").first()
    if row is None or row["state"] != SendState.SENDING:
        return "done"
    now = timezone.now()
    beat = row["heartbeat_at"]
    resumed = beat is None or beat < now - lease()
    if resumed:
        _enqueue(send_broadcast, broadcast_id=broadcast_id, from_watchdog=True)
    _enqueue(
        watch_broadcast, at=now + max(lease(), timedelta(seconds=1)), broadcast_id=broadcast_id
    )
    return "resumed" if resumed else "alive"
