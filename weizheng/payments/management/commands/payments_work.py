"""manage.py payments_work [--loop] [--reconcile YYYY-MM-DD]: retry due write-offs with the
billers, query WeChat Pay about orders and refunds whose notify never came (sending again
refunds that never reached it) and, from 10:00 Beijing time,
reconcile yesterday once per merchant (WeChat's bill is ready by then; `actions.reconcile_due`).
With --reconcile, reconcile every account with a merchant for that day now (again, if it was).
Safe to run in several processes: work is claimed row by row."""

from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from weizheng.payments import actions
from weizheng.payments.models import Merchant


class Command(BaseCommand):
    help = "Retry write-offs, query silent orders and refunds once, or every --interval seconds with --loop."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true")
        parser.add_argument("--interval", type=float, default=10.0)
        parser.add_argument("--reconcile", type=dt.date.fromisoformat, default=None)

    def handle(self, *args, **options):
        if options["reconcile"]:
            for merchant in Merchant.objects.filter(is_enabled=True).select_related("account"):
                run = actions.do_reconcile(account=merchant.account, bill_date=options["reconcile"])
                self.stdout.write(
                    f"{merchant.account.slug} {run.bill_date}: {run.findings.count()} findings"
                    + (f" (error: {run.error})" if run.error else "")
                )
            return
        while True:
            close_old_connections()
            write_offs = actions.process_due_write_offs()
            queried = actions.sync_stale_orders()
            refunds = actions.sync_stale_refunds()
            reconciled = actions.reconcile_due()
            if write_offs or queried or refunds or reconciled or not options["loop"]:
                self.stdout.write(
                    f"{write_offs} write-offs attempted, {queried} orders queried, "
                    f"{refunds} refunds checked, "
                    f"{reconciled} accounts reconciled."
                )
            if not options["loop"]:
                return
            time.sleep(options["interval"])
