"""manage.py content_import: import policy documents and news from a folder of .txt/.html files
or a CSV/JSON/ZIP file into an account, as drafts for 三审. The format is in docs/content.md.

    manage.py content_import --account police --user police_editor path/to/folder
    manage.py content_import --account police --check-only documents.csv

Each document is imported whole or rejected with its reason (printed); the exit status is 1
when any document was rejected."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from weizheng.content.importer import read_path, run_import
from weizheng.core.errors import AppError
from weizheng.wechat.models import OfficialAccount


class Command(BaseCommand):
    help = "Import documents (folder of .txt/.html, or .csv/.json/.zip) as drafts for review."

    def add_arguments(self, parser):
        parser.add_argument("path", help="A folder, or a .csv, .json or .zip file.")
        parser.add_argument("--account", required=True, help="The account's slug.")
        parser.add_argument(
            "--user", help="The staff member recorded as the author (needed with --submit)."
        )
        parser.add_argument("--check-only", action="store_true", help="Check, save nothing.")
        parser.add_argument(
            "--submit", action="store_true", help="Submit the imported drafts for first review."
        )

    def handle(self, *args, **options):
        account = OfficialAccount.objects.filter(slug=options["account"]).first()
        if account is None:
            raise CommandError(f"No account with the slug {options['account']!r}.")
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user {options['user']!r}.")
        if options["submit"] and user is None:
            raise CommandError("--submit needs --user: someone must be the author.")
        path = Path(options["path"])
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        try:
            rows = read_path(path)
        except AppError as error:
            raise CommandError(error.message) from error
        report = run_import(
            account=account,
            rows=rows,
            actor=user,
            check_only=options["check_only"],
            submit=options["submit"],
            source=str(path),
            actor_label="" if user else "cli",
        )
        self.stdout.write(report.as_text())
        if report.rejected:
            raise SystemExit(1)
