"""manage.py holidays_load: load a year's public holidays and make-up working days.

    manage.py holidays_load --year 2026            # the built-in calendar (weizheng/core/data/holidays/)
    manage.py holidays_load --file my-city.toml    # a deployment's own file, same format
    manage.py holidays_load --year 2026 --replace  # and remove the year's days the file does not name

Safe to run again: days already right are left alone. All of the file is loaded or none of it.
"""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from weizheng.core.errors import AppError
from weizheng.core.workdays import do_load_holidays

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "holidays"


def read_calendar(path: Path) -> tuple[int | None, list[tuple[date, str, str]]]:
    """The year and the (date, kind, name) entries of a calendar file; CommandError if malformed."""
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise CommandError(f"Cannot read {path}: {error}") from error
    entries = []
    for number, day in enumerate(data.get("day", []), start=1):
        when, kind, name = day.get("date"), day.get("kind"), day.get("name", "")
        if not isinstance(when, date):
            raise CommandError(f"{path}: day {number} needs a date written as 2026-10-01.")
        entries.append((when, str(kind or ""), str(name)))
    year = data.get("year")
    if year is not None and any(when.year != year for when, _kind, _name in entries):
        raise CommandError(f"{path}: every day must be in {year}.")
    return year, entries


class Command(BaseCommand):
    help = "Load public holidays and make-up working days (built-in for 2026, or from a file)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="Load the built-in calendar of this year.")
        parser.add_argument("--file", help="Load this TOML file instead (same format).")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Remove the year's entries that the file does not list.",
        )

    def handle(self, *args, **options):
        if options["file"]:
            path = Path(options["file"])
        elif options["year"]:
            path = DATA_DIR / f"cn-{options['year']}.toml"
            if not path.exists():
                available = sorted(p.stem.removeprefix("cn-") for p in DATA_DIR.glob("cn-*.toml"))
                raise CommandError(
                    f"No built-in calendar for {options['year']} (built in: {', '.join(available)}). "
                    "Use --file, or enter the days in /admin/."
                )
        else:
            raise CommandError("Give --year or --file.")
        year, entries = read_calendar(path)
        replace_years = ()
        if options["replace"]:
            if year is None:
                raise CommandError("--replace needs a file that says its year.")
            replace_years = (year,)
        try:
            report = do_load_holidays(entries=entries, replace_years=replace_years)
        except AppError as error:
            raise CommandError(f"{path}: {error.message}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"{path.name}: {report.created} added, {report.changed} changed, "
                f"{report.unchanged} already right, {report.removed} removed."
            )
        )
        self.stdout.write(
            "Check the dates against the State Council's notice; superusers can correct them in /admin/."
        )
