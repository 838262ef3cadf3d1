"""Background work of the payments app: thin, idempotent, by id."""

from __future__ import annotations

from django_tasks import task

from . import actions


@task()
def write_off_order(write_off_id: int) -> str:
    """Try to write one paid order off at its biller (enqueued when the payment commits)."""
    return actions.do_attempt_write_off(write_off_id=write_off_id)


@task()
def payments_sweep() -> dict[str, int]:
    """Retry due write-offs and ask WeChat Pay about orders and refunds whose notify never came
    (sending again refunds that never reached it).
    `manage.py payments_work --loop` runs the same pass every few seconds."""
    return {
        "write_offs": actions.process_due_write_offs(),
        "queried": actions.sync_stale_orders(),
        "refunds": actions.sync_stale_refunds(),
    }
