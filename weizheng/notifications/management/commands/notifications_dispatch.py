"""manage.py notifications_dispatch [--loop]: deliver due notifications (retries, paused lanes
coming back, anything a lost task left behind). With --loop it runs every few seconds; run one
such process per deployment (more are safe: rows are claimed one by one)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from weizheng.notifications.actions import dispatch_due


class Command(BaseCommand):
    help = "Deliver due notifications once, or every --interval seconds with --loop."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true")
        parser.add_argument("--interval", type=float, default=5.0)
        parser.add_argument("--limit", type=int, default=500)

    def handle(self, *args, **options):
        while True:
            close_old_connections()
            handled = dispatch_due(limit=options["limit"])
            if handled or not options["loop"]:
                self.stdout.write(f"{handled} notifications handled.")
            if not options["loop"]:
                return
            if handled < options["limit"]:
                time.sleep(options["interval"])
