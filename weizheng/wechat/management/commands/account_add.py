"""manage.py account_add: create an official account from the command line."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from weizheng.wechat.actions import do_create_account
from weizheng.wechat.models import MessageMode


class Command(BaseCommand):
    help = "Create a WeChat official account served at /wx/<slug>/."

    def add_arguments(self, parser):
        parser.add_argument("--slug", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--appid", required=True)
        parser.add_argument("--secret", required=True)
        parser.add_argument("--token", required=True)
        parser.add_argument("--aes-key", default="")
        parser.add_argument("--mode", default=MessageMode.PLAIN, choices=MessageMode.values)
        parser.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"])
        parser.add_argument(
            "--api-base-url", default=None, help="Real WeChat by default; the mock in dev."
        )

    def handle(self, *args, **options):
        try:
            account = do_create_account(
                slug=options["slug"],
                name=options["name"],
                app_id=options["appid"],
                app_secret=options["secret"],
                token=options["token"],
                encoding_aes_key=options["aes_key"],
                message_mode=options["mode"],
                default_language=options["language"],
                api_base_url=options["api_base_url"],
                actor_label="cli",
            )
        except ValidationError as exc:
            problems = "; ".join(
                f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items()
            )
            raise CommandError(f"The account was not created: {problems}") from exc
        except ValueError as exc:
            raise CommandError(f"The account was not created: {exc}") from exc
        self.stdout.write(
            f"Created account {account.slug} ({account.app_id}); callback URL /wx/{account.slug}/"
        )
