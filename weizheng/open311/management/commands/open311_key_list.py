"""manage.py open311_key_list: the Open311 clients, their key's first characters and scope."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from weizheng.open311.models import ApiClient


class Command(BaseCommand):
    help = "List the Open311 API clients (never their keys)."

    def handle(self, *args, **options):
        for client in ApiClient.objects.prefetch_related("accounts"):
            scope = ", ".join(a.slug for a in client.accounts.all()) or "every account"
            state = "active" if client.is_active else "revoked"
            self.stdout.write(f"{client.name}\t{client.key_prefix}…\t{state}\t{scope}")
