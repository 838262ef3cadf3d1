"""The working-day clock with frozen time: deadlines across weekends, public holidays and
make-up working days (调休); reminders before a deadline and escalations after it, once each
per deadline, by e-mail to the department and to the supervisors."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from weizheng.core.models import AuditLog
from weizheng.inquiries import actions
from weizheng.inquiries.models import EventKind, InquiryStatus

from .conftest import submit

SH = ZoneInfo("Asia/Shanghai")


def moment(month, day, hour=10, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


def end_of(month, day):
    return datetime(2026, month, day, 23, 59, 59, 999999, tzinfo=SH)


@pytest.fixture
def calendar_2026(db):
    call_command("holidays_load", "--year", "2026", stdout=open("/dev/null", "w"))  # noqa: SIM115


def submitted_at(world, when, **kwargs):
    with time_machine.travel(when, tick=False):
        return submit(world, category=kwargs.pop("category", "traffic"), **kwargs)


def test_a_request_sent_on_friday_evening_counts_from_monday(world):
    inquiry = submitted_at(world, moment(11, 27, 18))
    assert inquiry.sign_due_at == end_of(11, 30)
    assert inquiry.reply_due_at == end_of(12, 4)


def test_a_request_sent_on_saturday_counts_from_monday(world):
    inquiry = submitted_at(world, moment(11, 28, 9))
    assert inquiry.sign_due_at == end_of(11, 30)
    assert inquiry.reply_due_at == end_of(12, 4)


def test_the_national_day_holidays_do_not_count_and_the_make_up_saturday_does(world, calendar_2026):
    inquiry = submitted_at(world, moment(9, 30, 10))
    # 1–7 October are holidays: signing is due Thursday 8 October.
    assert inquiry.sign_due_at == end_of(10, 8)
    # 8, 9, 10 (a Saturday worked, 调休), 12, 13 October.
    assert inquiry.reply_due_at == end_of(10, 13)


def test_an_urgent_request_sent_on_a_holiday_is_due_the_next_working_day(world, calendar_2026):
    inquiry = submitted_at(world, moment(10, 3, 10), category="water")
    assert inquiry.sign_due_at == end_of(10, 8)


def test_a_reminder_goes_to_the_department_once_within_the_window(
    world, django_capture_on_commit_callbacks
):
    inquiry = submitted_at(world, moment(11, 27, 18))  # sign for by Monday 30 November, 24:00
    with time_machine.travel(moment(11, 30, 19, 30), tick=False):  # 4.5 hours before
        assert actions.do_send_reminders() == 0
    with time_machine.travel(moment(11, 30, 20, 30), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert actions.do_send_reminders() == 1
        assert actions.do_send_reminders() == 0
    inquiry.refresh_from_db()
    assert inquiry.reminded_for == inquiry.due_at
    assert inquiry.events.filter(kind=EventKind.REMINDED).count() == 1
    assert [m.to for m in mail.outbox] == [["pete@pingan.gov.cn"]]
    assert inquiry.public_id in mail.outbox[0].subject


def test_an_overdue_request_is_escalated_to_the_supervisors_once_per_deadline(
    world, django_capture_on_commit_callbacks
):
    inquiry = submitted_at(world, moment(11, 27, 18))
    with time_machine.travel(moment(11, 30, 23, 59), tick=False):
        assert actions.do_escalate_overdue() == 0
    # Saturday and Sunday passed without counting; Tuesday 1 December it is overdue.
    with time_machine.travel(moment(12, 1, 0, 5), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert actions.do_escalate_overdue() == 1
        assert actions.do_escalate_overdue() == 0
    inquiry.refresh_from_db()
    assert inquiry.escalated_at is not None
    assert inquiry.events.filter(kind=EventKind.ESCALATED).count() == 1
    assert AuditLog.objects.filter(action="inquiries.inquiry.escalated").count() == 1
    assert mail.outbox[-1].to == ["gina@pingan.gov.cn"]
    # Signed late: the reply's deadline (Friday 4 December) is a new one, escalated again if missed.
    with time_machine.travel(moment(12, 1, 9), tick=False):
        actions.check_sign(inquiry=inquiry, actor=world["pete"])
    with time_machine.travel(moment(12, 4, 23), tick=False):
        assert actions.do_escalate_overdue() == 0
    with time_machine.travel(moment(12, 5, 9), tick=False):  # Saturday
        assert actions.do_escalate_overdue() == 1
    assert inquiry.events.filter(kind=EventKind.ESCALATED).count() == 2


def test_an_answered_request_is_not_escalated(world):
    inquiry = submitted_at(world, moment(11, 27, 18))
    with time_machine.travel(moment(11, 30, 9), tick=False):
        actions.check_sign(inquiry=inquiry, actor=world["pete"])
        actions.check_reply(inquiry=inquiry, actor=world["pete"], reply="已处理。")
    with time_machine.travel(moment(12, 20, 9), tick=False):
        assert actions.do_escalate_overdue() == 0
        assert actions.do_send_reminders() == 0


def test_answers_left_alone_are_closed_after_the_accounts_days(world):
    inquiry = submitted_at(world, moment(11, 27, 18))
    with time_machine.travel(moment(11, 30, 9), tick=False):
        actions.check_sign(inquiry=inquiry, actor=world["pete"])
        actions.check_reply(inquiry=inquiry, actor=world["pete"], reply="已处理。")
    with time_machine.travel(moment(12, 6, 9), tick=False):
        assert actions.do_close_stale() == 0
    with time_machine.travel(moment(12, 7, 10), tick=False):
        assert actions.do_close_stale() == 1
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.CLOSED
