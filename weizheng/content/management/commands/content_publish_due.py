"""manage.py content_publish_due: publish the scheduled items whose time has come. Run it every
minute from cron or a systemd timer; it is safe to run from several machines at once."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from weizheng.content.actions import publish_due_items


class Command(BaseCommand):
    help = "Publish the scheduled policies and news whose publication time has come."

    def handle(self, *args, **options):
        published = publish_due_items()
        if published:
            self.stdout.write(
                f"Published {len(published)} item(s): {', '.join(map(str, published))}."
            )
