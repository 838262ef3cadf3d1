"""The working-day calendar: weekends, public holidays, make-up working days, deadlines counted
from the next working day and ending at the end of the nth, the shared cache, the command that
loads 2026 and the superuser-only admin."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client

from weizheng.core.errors import AppError
from weizheng.core.models import AuditLog, Holiday, HolidayKind
from weizheng.core.workdays import (
    CACHE_KEY,
    Calendar,
    add_workdays,
    current_calendar,
    do_delete_holidays,
    do_load_holidays,
    do_save_holiday,
    is_workday,
    workdays_between,
)
from weizheng.staff.testing import login_staff


@pytest.fixture(autouse=True)
def _english_messages():
    """Messages are asserted in English (the msgids), whatever the catalogue holds."""
    from django.utils import translation

    with translation.override("en"):
        yield


SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=10, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def end_of(year, month, day) -> datetime:
    return datetime(year, month, day, 23, 59, 59, 999999, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _no_cached_calendar():
    # The test database rolls back, the cache does not: no calendar crosses tests.
    cache.delete(CACHE_KEY)
    yield
    cache.delete(CACHE_KEY)


@pytest.fixture
def calendar_2026(db):
    call_command("holidays_load", "--year", "2026", stdout=_Sink())
    return current_calendar()


class _Sink:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass


# --- pure counting ----------------------------------------------------------------------------
def test_a_plain_week_counts_monday_to_friday():
    week = Calendar()
    assert [week.is_workday(date(2026, 3, d)) for d in range(2, 9)] == [
        True,
        True,
        True,
        True,
        True,
        False,
        False,
    ]


def test_a_request_received_on_friday_counts_from_monday_and_ends_at_the_end_of_the_day():
    week = Calendar()
    # Friday 6 March 2026 → Mon 9 (1), Tue 10 (2), Wed 11 (3).
    assert week.add_workdays(at(2026, 3, 6, 16), 3) == end_of(2026, 3, 11)


def test_a_request_received_on_a_weekend_counts_from_monday_too():
    week = Calendar()
    assert week.add_workdays(at(2026, 3, 7, 9), 1) == end_of(2026, 3, 9)
    assert week.add_workdays(at(2026, 3, 8, 23, 30), 1) == end_of(2026, 3, 9)


def test_the_local_day_decides_not_the_utc_one():
    week = Calendar()
    # 23:30 UTC on Friday is 07:30 on Saturday in Shanghai: counting starts on Monday anyway,
    # and one working day ends on Monday night, not on Friday's.
    friday_night_utc = datetime(2026, 3, 6, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert week.add_workdays(friday_night_utc, 1) == end_of(2026, 3, 9)
    # 20:00 UTC on Sunday is already Monday 04:00 in Shanghai: day 1 is Tuesday.
    assert week.add_workdays(datetime(2026, 3, 8, 20, tzinfo=ZoneInfo("UTC")), 1) == end_of(
        2026, 3, 10
    )


def test_zero_working_days_is_the_same_working_day_or_the_next_one():
    week = Calendar()
    assert week.add_workdays(at(2026, 3, 4, 9), 0) == end_of(2026, 3, 4)
    assert week.add_workdays(at(2026, 3, 7, 9), 0) == end_of(2026, 3, 9)


def test_naive_datetimes_and_negative_or_absurd_limits_are_refused():
    week = Calendar()
    with pytest.raises(ValueError, match="timezone-aware"):
        week.add_workdays(datetime(2026, 3, 6, 9), 1)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError):
        week.add_workdays(at(2026, 3, 6), -1)
    with pytest.raises(ValueError):
        week.add_workdays(at(2026, 3, 6), 100_000)


def test_workdays_between_is_the_inverse_of_add_workdays_and_signed():
    week = Calendar()
    start = at(2026, 3, 6, 16)
    for n in range(0, 15):
        deadline = week.add_workdays(start, n)
        if n:
            assert week.workdays_between(start, deadline) == n
    assert week.workdays_between(at(2026, 3, 9), at(2026, 3, 6)) == -1
    assert week.workdays_between(at(2026, 3, 9, 8), at(2026, 3, 9, 18)) == 0


# --- the 2026 calendar ------------------------------------------------------------------------
def test_the_built_in_2026_calendar_has_the_state_council_days(calendar_2026):
    assert Holiday.objects.count() == 39
    workdays = sorted(h.date for h in Holiday.objects.filter(kind=HolidayKind.WORKDAY))
    assert workdays == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]
    assert not is_workday(day=date(2026, 10, 5))  # Monday, National Day
    assert is_workday(day=date(2026, 10, 10))  # Saturday, worked
    assert is_workday(day=date(2026, 1, 4))  # Sunday, worked
    assert not is_workday(day=date(2026, 2, 23))  # Monday, Spring Festival
    assert is_workday(day=date(2026, 2, 24))


def test_five_working_days_from_before_national_day_skip_the_holiday_and_count_the_saturday(
    calendar_2026,
):
    # Received Tuesday 29 September: Wed 30 (1), holiday 1–7 October, Thu 8 (2), Fri 9 (3),
    # Sat 10 is a make-up working day (4), Sun 11 is not, Mon 12 (5).
    with time_machine.travel(at(2026, 9, 29, 15), tick=False):
        deadline = add_workdays(start=datetime.now(tz=SHANGHAI), n=5)
    assert deadline == end_of(2026, 10, 12)
    # On Tuesday 13 October at 09:00 the case is one working day late.
    with time_machine.travel(at(2026, 10, 13, 9), tick=False):
        now = datetime.now(tz=SHANGHAI)
        assert now > deadline
        assert workdays_between(start=deadline, end=now) == 1
    # Still on time a microsecond before midnight on the 12th.
    assert not end_of(2026, 10, 12) > deadline


def test_a_make_up_sunday_before_national_day_counts(calendar_2026):
    # Received Friday 18 September: Sun 20 is worked (1), Mon 21 (2).
    assert add_workdays(start=at(2026, 9, 18, 17), n=2) == end_of(2026, 9, 21)


def test_spring_festival_counts_from_the_make_up_saturday(calendar_2026):
    # Received Friday 13 February: Sat 14 worked (1), 15–23 off, Tue 24 (2) … Fri 27 (5),
    # Sat 28 worked (6), Mon 2 March (7).
    start = at(2026, 2, 13, 11)
    assert add_workdays(start=start, n=1) == end_of(2026, 2, 14)
    assert add_workdays(start=start, n=2) == end_of(2026, 2, 24)
    assert add_workdays(start=start, n=6) == end_of(2026, 2, 28)
    assert add_workdays(start=start, n=7) == end_of(2026, 3, 2)
    assert workdays_between(start=start, end=at(2026, 3, 2)) == 7


def test_a_request_received_on_a_holiday_counts_from_the_first_working_day_after(calendar_2026):
    assert add_workdays(start=at(2026, 5, 2, 10), n=1) == end_of(2026, 5, 6)
    assert add_workdays(start=at(2026, 5, 2, 10), n=0) == end_of(2026, 5, 6)


# --- writes, the cache, the command -----------------------------------------------------------
def test_a_holiday_saved_is_seen_at_once_through_the_shared_cache(db):
    friday = at(2026, 3, 6, 16)
    assert add_workdays(start=friday, n=1) == end_of(2026, 3, 9)
    assert cache.get(CACHE_KEY) == {}
    do_save_holiday(day=date(2026, 3, 9), kind=HolidayKind.HOLIDAY, name="测试假日")
    assert cache.get(CACHE_KEY) is None
    assert add_workdays(start=friday, n=1) == end_of(2026, 3, 10)
    entry = AuditLog.objects.get(action="core.holiday.save")
    assert entry.detail["date"] == "2026-03-09" and entry.detail["created"] is True
    do_delete_holidays(days=[date(2026, 3, 9)])
    assert add_workdays(start=friday, n=1) == end_of(2026, 3, 9)
    assert AuditLog.objects.filter(action="core.holiday.delete").count() == 1


def test_another_process_s_stale_copy_is_dropped_on_commit(transactional_db):
    # A process that read the calendar before our change committed put the old one back in the
    # cache: the delete after commit removes it.
    from django.db import transaction

    with transaction.atomic():
        do_save_holiday(day=date(2026, 3, 9), kind=HolidayKind.HOLIDAY, name="测试假日")
        cache.set(CACHE_KEY, {}, 300)  # the other process's read, of the rows before ours
    assert cache.get(CACHE_KEY) is None
    assert not is_workday(day=date(2026, 3, 9))


def test_a_make_up_working_day_on_a_weekday_is_refused_and_nothing_is_saved(db):
    with pytest.raises(AppError) as refused:
        do_save_holiday(day=date(2026, 3, 9), kind=HolidayKind.WORKDAY, name="错误")
    assert refused.value.code == "workday_on_weekday"
    assert not Holiday.objects.exists()
    assert not AuditLog.objects.exists()


def test_loading_twice_changes_nothing_and_replace_removes_stray_days(db):
    out = _Sink()
    call_command("holidays_load", "--year", "2026", stdout=out)
    assert "39 added" in out.text
    do_save_holiday(day=date(2026, 12, 31), kind=HolidayKind.HOLIDAY, name="本地假日")
    out = _Sink()
    call_command("holidays_load", "--year", "2026", stdout=out)
    assert "0 added, 0 changed, 39 already right, 0 removed" in out.text
    call_command("holidays_load", "--year", "2026", "--replace", stdout=_Sink())
    assert not Holiday.objects.filter(date=date(2026, 12, 31)).exists()
    assert Holiday.objects.count() == 39
    assert AuditLog.objects.filter(action="core.holiday.load").count() == 3


def test_a_file_with_a_bad_day_loads_nothing(db, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'year = 2027\n[[day]]\ndate = 2027-01-01\nkind = "holiday"\nname = "元旦"\n'
        '[[day]]\ndate = 2027-01-04\nkind = "workday"\nname = "周一不是调休"\n',
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="weekday"):
        call_command("holidays_load", "--file", str(bad), stdout=_Sink())
    assert not Holiday.objects.exists()
    with pytest.raises(CommandError, match="No built-in calendar for 1999"):
        call_command("holidays_load", "--year", "1999", stdout=_Sink())


def test_duplicate_days_are_refused(db):
    with pytest.raises(AppError, match="2026-10-01"):
        do_load_holidays(
            entries=[
                (date(2026, 10, 1), HolidayKind.HOLIDAY, "国庆节"),
                (date(2026, 10, 1), HolidayKind.HOLIDAY, "国庆节"),
            ]
        )
    assert not Holiday.objects.exists()


# --- /admin/ ----------------------------------------------------------------------------------
@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-123")


def test_a_superuser_adds_a_holiday_in_admin_through_the_audited_action(superuser):
    client = Client()
    login_staff(client, superuser)
    response = client.post(
        "/admin/core/holiday/add/",
        {"date": "2026-03-09", "kind": "holiday", "name": "  本地 假日 "},
    )
    assert response.status_code == 302
    holiday = Holiday.objects.get()
    assert holiday.name == "本地 假日"
    assert AuditLog.objects.filter(action="core.holiday.save", actor=superuser).exists()
    assert not is_workday(day=date(2026, 3, 9))


def test_admin_refuses_a_make_up_day_on_a_weekday(superuser):
    client = Client()
    login_staff(client, superuser)
    response = client.post(
        "/admin/core/holiday/add/", {"date": "2026-03-09", "kind": "workday", "name": "x"}
    )
    assert response.status_code == 200
    assert (
        "Saturday or a Sunday" in response.content.decode() or "周六" in response.content.decode()
    )
    assert not Holiday.objects.exists()


def test_admin_deletion_goes_through_the_action(superuser):
    do_save_holiday(day=date(2026, 3, 9), kind=HolidayKind.HOLIDAY, name="测试")
    client = Client()
    login_staff(client, superuser)
    holiday = Holiday.objects.get()
    response = client.post(f"/admin/core/holiday/{holiday.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Holiday.objects.exists()
    assert AuditLog.objects.filter(action="core.holiday.delete", actor=superuser).exists()
    assert is_workday(day=date(2026, 3, 9))


def test_staff_who_are_not_superusers_cannot_edit_the_calendar(django_user_model, plain_account):
    from weizheng.staff.models import Department, Membership, Role

    # Even an account administrator: /admin/ is the platform operators' (superusers') tool.
    clerk = django_user_model.objects.create_user("clerk", password="pw-clerk-123", is_staff=True)
    department = Department.objects.create(name="平安市公安局")
    department.accounts.add(plain_account)
    Membership.objects.create(user=clerk, department=department, role=Role.ADMINISTRATOR)
    client = Client()
    login_staff(client, clerk)
    response = client.post(
        "/admin/core/holiday/add/", {"date": "2026-03-09", "kind": "holiday", "name": "x"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert not Holiday.objects.exists()
    assert not AuditLog.objects.filter(action__startswith="core.holiday").exists()


def test_the_week_after_the_calendar_ends_counts_monday_to_friday(calendar_2026):
    # 2027 is not loaded: Friday 1 January 2027 counts as a working day.
    assert is_workday(day=date(2027, 1, 1))
    assert add_workdays(start=at(2026, 12, 31), n=1) == end_of(2027, 1, 1)
    assert timedelta(0) < end_of(2027, 1, 1) - at(2026, 12, 31)
