"""The working-day calendar (工作日): which days count, and deadlines counted in working days.

Shared by every clock measured in working days: online applications' promised time limits now,
问政 SLAs later. Times are read in Asia/Shanghai whatever the server's zone.

A day is a working day when it is a make-up working day (调休上班, a weekend day worked), or
when it is Monday to Friday and not a public holiday. The exceptions are `Holiday` rows, one per
day, for the whole deployment (superusers edit them in /admin/; `manage.py holidays_load` loads
the State Council's schedule for a year). A year with no rows is counted Monday to Friday.

Semantics (those of 行政许可法 art. 82: the day a time limit starts is not counted):

- `add_workdays(start=t, n=n)`: day 1 is the first working day *after* t's local date, whether
  or not t's own day is a working day (a request received on Friday, Saturday or Sunday counts
  from Monday). The deadline is the **end** of the nth working day: 23:59:59.999999 local time,
  so a case is overdue when `now > deadline`, and the deadline's local date is the last day
  allowed. `n=0` means "the same day": the end of t's day if it is a working day, else the end
  of the next working day.
- `workdays_between(start=a, end=b)`: the working days d with a's date < d <= b's date (negative
  when b is before a). `workdays_between(start=t, end=add_workdays(start=t, n=n)) == n`, and
  `workdays_between(start=deadline, end=now)` is how many working days late a case is.

Reads are cached in Django's cache (shared by every process when it is Redis) for at most
CACHE_SECONDS, and every write through the functions below deletes the cached calendar after
commit, so a change is seen at once by every process sharing the cache and within
CACHE_SECONDS by one with a private cache. Nothing in-process is kept between calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from .actions import do_audit
from .errors import AppError
from .models import Holiday, HolidayKind

TIMEZONE = ZoneInfo("Asia/Shanghai")
CACHE_KEY = "core:workdays:calendar:v1"
CACHE_SECONDS = 300
# A time limit longer than this is a typing mistake, not a deadline (about four years).
MAX_WORKDAYS = 1000
END_OF_DAY = time(23, 59, 59, 999999)


@dataclass(frozen=True)
class Calendar:
    """The exceptions to the Monday-to-Friday week: date → HolidayKind value. Pure: all the
    counting happens here, on the days it is given."""

    days: Mapping[date, str] = field(default_factory=dict)

    def is_workday(self, day: date) -> bool:
        kind = self.days.get(day)
        if kind == HolidayKind.WORKDAY:
            return True
        if kind == HolidayKind.HOLIDAY:
            return False
        return day.weekday() < 5

    def add_workdays(self, start: datetime, n: int) -> datetime:
        if n < 0 or n > MAX_WORKDAYS:
            raise ValueError(f"n must be between 0 and {MAX_WORKDAYS} working days, not {n}")
        day = local_date(start)
        if n == 0:
            while not self.is_workday(day):
                day += timedelta(days=1)
            return end_of_day(day)
        counted = 0
        while counted < n:
            day += timedelta(days=1)
            if self.is_workday(day):
                counted += 1
        return end_of_day(day)

    def workdays_between(self, start: datetime, end: datetime) -> int:
        first, last = local_date(start), local_date(end)
        if last < first:
            return -self.workdays_between(end, start)
        count = 0
        day = first + timedelta(days=1)
        while day <= last:
            if self.is_workday(day):
                count += 1
            day += timedelta(days=1)
        return count


def local_date(moment: datetime) -> date:
    """The calendar day of an aware datetime in Asia/Shanghai (naive ones are refused)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("working-day arithmetic needs a timezone-aware datetime")
    return moment.astimezone(TIMEZONE).date()


def end_of_day(day: date) -> datetime:
    """23:59:59.999999 of `day` in Asia/Shanghai: the last instant a deadline on `day` allows."""
    return datetime.combine(day, END_OF_DAY, tzinfo=TIMEZONE)


# --- reads ------------------------------------------------------------------------------------
def current_calendar() -> Calendar:
    """The deployment's calendar, from the shared cache or the database."""
    cached = cache.get(CACHE_KEY)
    if cached is None:
        cached = {
            day.isoformat(): kind for day, kind in Holiday.objects.values_list("date", "kind")
        }
        cache.set(CACHE_KEY, cached, CACHE_SECONDS)
    return Calendar({date.fromisoformat(day): kind for day, kind in cached.items()})


def is_workday(*, day: date, calendar: Calendar | None = None) -> bool:
    """Whether `day` is a working day (see the module docstring)."""
    return (calendar or current_calendar()).is_workday(day)


def add_workdays(*, start: datetime, n: int, calendar: Calendar | None = None) -> datetime:
    """The deadline n working days after `start`: the end (23:59:59.999999 Asia/Shanghai) of the
    nth working day after start's local date; n=0 is the end of the same (or next) working day."""
    return (calendar or current_calendar()).add_workdays(start, n)


def workdays_between(*, start: datetime, end: datetime, calendar: Calendar | None = None) -> int:
    """Working days after start's local date up to and including end's (negative if reversed)."""
    return (calendar or current_calendar()).workdays_between(start, end)


def holidays_in(*, year: int) -> list[Holiday]:
    """The exceptions of one year, in date order (for pages that show the calendar)."""
    return list(Holiday.objects.filter(date__year=year).order_by("date"))


# --- writes -----------------------------------------------------------------------------------
def forget_calendar() -> None:
    """Drop the cached calendar now (this transaction reads its own change) and again after
    commit (another process may have cached the old rows in between)."""
    cache.delete(CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))


def check_holiday(*, day: date, kind: str, name: str) -> str:
    """Refuse an entry that cannot be right; returns the cleaned name."""
    if kind not in HolidayKind.values:
        raise AppError("bad_kind", _("Choose a public holiday or a make-up working day."))
    name = " ".join((name or "").split())
    if not name:
        raise AppError("name_missing", _("Give the day a name, e.g. 国庆节."), field="name")
    if len(name) > 50:
        raise AppError("name_too_long", _("The name is longer than 50 characters."), field="name")
    if kind == HolidayKind.WORKDAY and day.weekday() < 5:
        raise AppError(
            "workday_on_weekday",
            _(
                "%(day)s is a weekday, a working day already: a make-up working day is a Saturday or a Sunday."
            )
            % {"day": day.isoformat()},
            field="kind",
        )
    return name


def do_save_holiday(
    *, day: date, kind: str, name: str, actor: Any = None, actor_label: str = ""
) -> Holiday:
    """Create or change the entry of one day, audited; the cached calendar is dropped."""
    name = check_holiday(day=day, kind=kind, name=name)
    with transaction.atomic():
        holiday, created = Holiday.objects.update_or_create(
            date=day, defaults={"kind": kind, "name": name}
        )
        do_audit(
            action="core.holiday.save",
            actor=actor,
            actor_label=actor_label,
            target=holiday,
            detail={"date": day.isoformat(), "kind": kind, "name": name, "created": created},
        )
        forget_calendar()
    return holiday


def do_delete_holidays(*, days: Iterable[date], actor: Any = None, actor_label: str = "") -> int:
    """Remove the entries of these days (they count Monday to Friday again)."""
    days = sorted(set(days))
    with transaction.atomic():
        entries = list(Holiday.objects.filter(date__in=days))
        for holiday in entries:
            do_audit(
                action="core.holiday.delete",
                actor=actor,
                actor_label=actor_label,
                target=holiday,
                detail={
                    "date": holiday.date.isoformat(),
                    "kind": holiday.kind,
                    "name": holiday.name,
                },
            )
        Holiday.objects.filter(pk__in=[h.pk for h in entries]).delete()
        forget_calendar()
    return len(entries)


@dataclass(frozen=True)
class LoadReport:
    created: int
    changed: int
    unchanged: int
    removed: int


def do_load_holidays(
    *,
    entries: Iterable[tuple[date, str, str]],
    replace_years: Iterable[int] = (),
    actor: Any = None,
    actor_label: str = "cli",
) -> LoadReport:
    """Load (date, kind, name) entries in one transaction: all of them or none. With
    `replace_years`, entries of those years that the list does not name are removed."""
    checked = [
        (day, kind, check_holiday(day=day, kind=kind, name=name)) for day, kind, name in entries
    ]
    dates = [day for day, _kind, _name in checked]
    if len(dates) != len(set(dates)):
        duplicates = sorted({d.isoformat() for d in dates if dates.count(d) > 1})
        raise AppError(
            "duplicate_day",
            _("These days appear twice: %(days)s.") % {"days": ", ".join(duplicates)},
        )
    created = changed = unchanged = 0
    with transaction.atomic():
        existing = {h.date: h for h in Holiday.objects.filter(date__in=dates)}
        for day, kind, name in checked:
            current = existing.get(day)
            if current is None:
                Holiday.objects.create(date=day, kind=kind, name=name)
                created += 1
            elif (current.kind, current.name) != (kind, name):
                current.kind, current.name = kind, name
                current.save(update_fields=["kind", "name", "updated_at"])
                changed += 1
            else:
                unchanged += 1
        stale = Holiday.objects.filter(date__year__in=list(replace_years)).exclude(date__in=dates)
        removed = stale.count()
        stale.delete()
        report = LoadReport(created, changed, unchanged, removed)
        do_audit(
            action="core.holiday.load",
            actor=actor,
            actor_label=actor_label,
            detail={
                "created": created,
                "changed": changed,
                "unchanged": unchanged,
                "removed": removed,
                "years": sorted({d.year for d in dates}),
            },
        )
        forget_calendar()
    return report
