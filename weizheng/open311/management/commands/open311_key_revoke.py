"""manage.py open311_key_revoke --name <client>: the client's key stops working."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from weizheng.core.errors import AppError
from weizheng.open311.actions import do_revoke_client


class Command(BaseCommand):
    help = "Revoke an Open311 client's API key."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)

    def handle(self, *args, **options):
        try:
            client = do_revoke_client(name=options["name"])
        except AppError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Revoked the key of Open311 client {client.name}.")
