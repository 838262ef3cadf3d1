"""manage.py appointments_remind [--loop]: queue the reminders due (the day before each
booking) and record the no-shows of past days. Idempotent: each booking is reminded once and
marked a no-show once (conditional updates), so running it often, or in two processes, is safe.
Run it every few minutes (`--loop --interval 300`), beside `notifications_dispatch --loop`."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from weizheng.appointments.actions import do_record_past_no_shows, do_send_due_reminders


class Command(BaseCommand):
    help = "Queue due appointment reminders and record past no-shows, once or every --interval s."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true")
        parser.add_argument("--interval", type=float, default=300.0)
        parser.add_argument(
            "--no-no-shows",
            action="store_true",
            help="Only send reminders; leave past bookings for the office to mark.",
        )

    def handle(self, *args, **options):
        while True:
            close_old_connections()
            reminded = do_send_due_reminders()
            missed = 0 if options["no_no_shows"] else do_record_past_no_shows()
            if reminded or missed or not options["loop"]:
                self.stdout.write(f"{reminded} reminders queued, {missed} no-shows recorded.")
            if not options["loop"]:
                return
            time.sleep(options["interval"])
