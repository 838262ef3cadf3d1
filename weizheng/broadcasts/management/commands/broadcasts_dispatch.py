"""manage.py broadcasts_dispatch: start every approved broadcast whose time has come.

The database task queue starts scheduled broadcasts by itself (run_after); run this from cron
with a task backend that cannot defer tasks, or to start broadcasts left waiting by an outage."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from weizheng.broadcasts.actions import dispatch_due


class Command(BaseCommand):
    help = "Start the approved broadcasts whose time has come."

    def handle(self, *args, **options):
        started = dispatch_due()
        self.stdout.write(f"{len(started)} broadcast(s) started.")
