"""manage.py open311_key_add --name <client> [--account <slug> ...]: a new Open311 client and
its API key, printed once."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from weizheng.core.errors import AppError
from weizheng.open311.actions import do_create_client
from weizheng.wechat.models import OfficialAccount


class Command(BaseCommand):
    help = "Create an Open311 API client and print its key (shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="The client's name, e.g. hotline-12345.")
        parser.add_argument(
            "--account",
            action="append",
            default=[],
            help="Limit the key to this account (slug); repeat for several. Default: every account.",
        )

    def handle(self, *args, **options):
        accounts = []
        for slug in options["account"]:
            account = OfficialAccount.objects.filter(slug=slug).first()
            if account is None:
                raise CommandError(f"There is no account {slug!r}.")
            accounts.append(account)
        try:
            client, key = do_create_client(name=options["name"], accounts=accounts)
        except AppError as exc:
            raise CommandError(exc.message) from exc
        scope = ", ".join(a.slug for a in accounts) or "every account"
        self.stderr.write(f"Created Open311 client {client.name} ({scope}). Its key, shown once:")
        self.stdout.write(key)
