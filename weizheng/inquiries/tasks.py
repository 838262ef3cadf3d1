"""Background work of 微信问政: the clock (reminders, escalations, closing) and retraining the
classifier. Thin: each calls one action; every action is idempotent (conditional updates)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_clock() -> dict[str, int]:
    """One pass of the clock: remind departments of near deadlines, escalate overdue requests to
    the supervisors, close answered requests left alone. `manage.py inquiries_clock --loop`
    runs it every few minutes."""
    from .actions import do_close_stale, do_escalate_overdue, do_send_reminders

    return {
        "reminded": do_send_reminders(),
        "escalated": do_escalate_overdue(),
        "closed": do_close_stale(),
    }


@task()
def retrain_classifier(*, account_id: int, actor_id: int | None = None) -> int:
    """Train the account's department classifier on its handled requests (the back office's
    "retrain" button enqueues this); returns the training size."""
    from django.contrib.auth import get_user_model

    from weizheng.wechat.models import OfficialAccount

    from .actions import do_train_classifier

    account = OfficialAccount.objects.get(pk=account_id)
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    return do_train_classifier(account=account, actor=actor).training_size
