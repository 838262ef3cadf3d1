"""manage.py inquiries_clock [--loop]: remind departments of deadlines within the account's
reminder window, escalate overdue requests to the supervisors, close answered requests left
alone. Idempotent (once per deadline, conditional updates): safe to run often or twice. Run it
every few minutes (`--loop --interval 300`), beside `notifications_dispatch --loop`."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from weizheng.inquiries.actions import do_close_stale, do_escalate_overdue, do_send_reminders


class Command(BaseCommand):
    help = (
        "Send 问政 reminders and escalations and close stale answers, once or every --interval s."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true")
        parser.add_argument("--interval", type=float, default=300.0)

    def handle(self, *args, **options):
        while True:
            close_old_connections()
            reminded = do_send_reminders()
            escalated = do_escalate_overdue()
            closed = do_close_stale()
            if reminded or escalated or closed or not options["loop"]:
                self.stdout.write(
                    f"{reminded} reminders, {escalated} escalations, {closed} closed."
                )
            if not options["loop"]:
                return
            time.sleep(options["interval"])
