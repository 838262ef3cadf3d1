"""Background work of the notification service."""

from __future__ import annotations

from django_tasks import task

from .actions import dispatch_due


@task()
def dispatch_notifications() -> int:
    """Deliver what is due (enqueued after each commit that queued a notification; the emergency
    lane's kick goes to the priority queue). `manage.py notifications_dispatch --loop` runs the
    same pass every few seconds for retries and scheduled work."""
    return dispatch_due()
