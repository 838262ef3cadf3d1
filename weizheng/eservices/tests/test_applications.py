"""Online applications (网办): drafts of a bound citizen, submission with a receipt number, the
state machine with its working-day clock across weekends and National Day, a notification on
every change, and look-ups that never tell another citizen's application from an unknown one."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from weizheng.core.errors import AppError
from weizheng.core.models import AuditLog
from weizheng.eservices.actions import (
    TRANSITIONS,
    check_save_draft,
    check_submit_application,
    check_transition,
)
from weizheng.eservices.models import (
    Application,
    ApplicationEvent,
    ApplicationField,
    ApplicationStatus,
    FieldKind,
)
from weizheng.eservices.selectors import (
    application_for_citizen,
    clock_of,
    department_queue,
)
from weizheng.eservices.wechat_handlers import answer_progress
from weizheng.identity.testing import make_binding
from weizheng.notifications.models import Notification

from .conftest import make_guide, publish

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
CITIZEN = "oCITIZEN0000000000000000000001"
OTHER = "oOTHER000000000000000000000002"
ANSWERS = {"name": "张三", "id_number": "11010519491231002X", "district": "平安区"}


def at(month, day, hour=10):
    return datetime(2026, month, day, hour, tzinfo=SHANGHAI)


def end_of(month, day):
    return datetime(2026, month, day, 23, 59, 59, 999999, tzinfo=SHANGHAI)


@pytest.fixture
def service(world):
    guide = publish(
        make_guide(
            world["police"],
            world["bob"],
            title="居住证办理",
            code="PA-ZA-0120",
            promised_days=5,
            statutory_days=15,
        ),
        author=world["bob"],
        first=world["rita"],
        final=world["alice"],
    )
    for position, (key, label, kind, required, choices) in enumerate(
        [
            ("name", "姓名", FieldKind.TEXT, True, []),
            ("id_number", "身份证号", FieldKind.ID_NUMBER, True, []),
            ("district", "居住区", FieldKind.SELECT, True, ["平安区", "安宁区"]),
            ("moved_on", "来本市日期", FieldKind.DATE, False, []),
        ]
    ):
        ApplicationField.objects.create(
            guide=guide,
            position=position,
            key=key,
            label=label,
            kind=kind,
            is_required=required,
            choices=choices,
        )
    guide.accepts_online = True
    guide.save(update_fields=["accepts_online"])
    make_binding(account=world["police"], openid=CITIZEN)
    make_binding(account=world["police"], openid=OTHER, id_number="110105194912310037")
    return guide


@pytest.fixture
def calendar_2026(db):
    call_command("holidays_load", "--year", "2026", stdout=open("/dev/null", "w"))  # noqa: SIM115


def submitted(world, service, *, when=None, answers=None):
    with time_machine.travel(when or at(9, 29), tick=False):
        draft = check_save_draft(
            account=world["police"], guide=service, openid=CITIZEN, answers=answers or ANSWERS
        )
        return check_submit_application(application=draft, openid=CITIZEN)


def test_an_unbound_citizen_cannot_start_an_application(world, service):
    with pytest.raises(AppError) as refused:
        check_save_draft(account=world["police"], guide=service, openid="oNOBODY", answers=ANSWERS)
    assert refused.value.code == "binding_required" and refused.value.status == 403
    assert not Application.objects.exists()


def test_a_draft_keeps_partial_answers_sealed_and_submission_needs_them_all(world, service):
    draft = check_save_draft(
        account=world["police"], guide=service, openid=CITIZEN, answers={"name": "张三"}
    )
    assert draft.status == ApplicationStatus.DRAFT and draft.receipt_no == ""
    with connection.cursor() as cursor:
        cursor.execute("SELECT sealed_answers FROM eservices_application WHERE id = %s", [draft.pk])
        (stored,) = cursor.fetchone()
    assert stored and "张三" not in stored  # encrypted at rest
    assert draft.answers == {"name": "张三"}
    with pytest.raises(AppError) as refused:
        check_submit_application(application=draft, openid=CITIZEN)
    assert refused.value.code == "answer_missing" and refused.value.extra["field"] == "id_number"
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT and draft.receipt_no == ""
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("answers", "code"),
    [
        ({**ANSWERS, "id_number": "110105194912310021"}, "bad_id_number"),
        ({**ANSWERS, "district": "火星区"}, "bad_choice"),
        ({**ANSWERS, "moved_on": "去年"}, "bad_date"),
        ({**ANSWERS, "salary": "1"}, "bad_field"),
    ],
)
def test_bad_answers_are_refused_with_the_field_and_nothing_is_saved(world, service, answers, code):
    with pytest.raises(AppError) as refused:
        check_save_draft(account=world["police"], guide=service, openid=CITIZEN, answers=answers)
    assert refused.value.code == code
    assert not Application.objects.exists()


def test_submission_gives_a_receipt_number_a_clock_and_a_notification(
    world, service, calendar_2026
):
    application = submitted(world, service)  # Tuesday 29 September
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.receipt_no.startswith("WB20260929") and len(application.receipt_no) == 16
    # Five working days to accept: Wed 30 Sep, then 8, 9, 10 (make-up Saturday), 12 October.
    assert application.due_at == end_of(10, 12)
    notification = Notification.objects.get(openid=CITIZEN)
    assert notification.kind == "eservices.status"
    assert notification.variables["receipt_no"] == application.receipt_no
    assert AuditLog.objects.get(action="eservices.application.submitted").actor_label == "citizen"


def test_the_whole_way_with_a_notification_and_an_event_at_each_step(world, service, calendar_2026):
    application = submitted(world, service)
    with time_machine.travel(at(9, 30), tick=False):
        application = check_transition(
            application=application, to=ApplicationStatus.ACCEPTED, actor=world["hank"]
        )
    # Promised in 5 working days from acceptance on Wed 30 Sep: 8, 9, 10, 12, 13 October.
    assert application.due_at == end_of(10, 13)
    for to in (ApplicationStatus.UNDER_REVIEW, ApplicationStatus.APPROVED):
        with time_machine.travel(at(10, 9), tick=False):
            application = check_transition(application=application, to=to, actor=world["hank"])
    assert application.due_at == end_of(10, 13)  # the decision's clock did not restart
    with time_machine.travel(at(10, 12), tick=False):
        application = check_transition(
            application=application, to=ApplicationStatus.COMPLETED, actor=world["hank"]
        )
    assert application.due_at is None and application.completed_at
    assert list(application.events.values_list("to_status", flat=True)) == [
        "submitted",
        "accepted",
        "under_review",
        "approved",
        "completed",
    ]
    assert Notification.objects.filter(openid=CITIZEN).count() == 5
    assert AuditLog.objects.filter(
        action="eservices.application.completed", actor=world["hank"]
    ).exists()


def test_returned_for_correction_stops_the_clock_and_resubmission_restarts_it(
    world, service, calendar_2026
):
    application = submitted(world, service)
    with pytest.raises(AppError) as refused:
        check_transition(
            application=application, to=ApplicationStatus.RETURNED, actor=world["hank"]
        )
    assert refused.value.code == "reason_missing"
    with time_machine.travel(at(9, 30), tick=False):
        application = check_transition(
            application=application,
            to=ApplicationStatus.RETURNED,
            actor=world["hank"],
            note="居住证明照片不清晰",
        )
    assert application.due_at is None and application.last_note == "居住证明照片不清晰"
    returned = Notification.objects.get(kind="eservices.returned")
    assert returned.variables["reason"] == "居住证明照片不清晰"
    with time_machine.travel(at(10, 8), tick=False):
        check_save_draft(
            account=world["police"],
            guide=service,
            openid=CITIZEN,
            answers={**ANSWERS, "moved_on": "2025-03-01"},
            application=application,
        )
        application = check_submit_application(application=application, openid=CITIZEN)
    assert application.status == ApplicationStatus.SUBMITTED
    # Thu 8 Oct: 9, 10 (Saturday worked), 12, 13, 14.
    assert application.due_at == end_of(10, 14)
    assert application.answers["moved_on"] == "2025-03-01"


def test_the_state_machine_refuses_every_step_it_does_not_list(world, service):
    application = submitted(world, service)
    for to in ApplicationStatus.values:
        if (ApplicationStatus.SUBMITTED, to) in TRANSITIONS:
            continue
        with pytest.raises(AppError) as refused:
            check_transition(application=application, to=to, actor=world["hank"], note="x")
        assert refused.value.status == 409
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert ApplicationEvent.objects.filter(application=application).count() == 1


def test_a_stale_read_cannot_move_an_application_twice(world, service):
    application = submitted(world, service)
    stale = Application.objects.get(pk=application.pk)
    check_transition(application=application, to=ApplicationStatus.ACCEPTED, actor=world["hank"])
    with pytest.raises(AppError) as refused:
        check_transition(
            application=stale, to=ApplicationStatus.RETURNED, actor=world["alice"], note="x"
        )
    assert refused.value.status == 409
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.ACCEPTED


def test_only_a_handler_of_the_account_takes_steps(world, service):
    application = submitted(world, service)
    for clerk in (world["carol"], world["bob"]):
        with pytest.raises(AppError) as refused:
            check_transition(application=application, to=ApplicationStatus.ACCEPTED, actor=clerk)
        assert refused.value.status == 403
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert not AuditLog.objects.filter(action="eservices.application.accepted").exists()


def test_another_citizen_cannot_submit_or_edit_my_draft(world, service):
    draft = check_save_draft(
        account=world["police"], guide=service, openid=CITIZEN, answers=ANSWERS
    )
    with pytest.raises(AppError) as refused:
        check_submit_application(application=draft, openid=OTHER)
    assert refused.value.status == 404
    with pytest.raises(AppError):
        check_save_draft(
            account=world["police"], guide=service, openid=OTHER, answers={}, application=draft
        )
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT and draft.answers == ANSWERS


def test_a_receipt_number_not_mine_answers_exactly_like_an_unknown_one(world, service):
    mine = submitted(world, service)
    police = world["police"]
    assert application_for_citizen(account=police, openid=CITIZEN, receipt_no=mine.receipt_no)
    assert application_for_citizen(account=police, openid=OTHER, receipt_no=mine.receipt_no) is None
    theirs = answer_progress(account=police, openid=OTHER, receipt_no=mine.receipt_no)
    unknown_number = "WB20260929" + ("000000" if mine.receipt_no[-6:] != "000000" else "000001")
    unknown = answer_progress(account=police, openid=OTHER, receipt_no=unknown_number)
    assert theirs.content == unknown.content.replace(unknown_number, mine.receipt_no)
    assert "居住证办理" not in theirs.content
    own = answer_progress(account=police, openid=CITIZEN, receipt_no=mine.receipt_no.lower())
    assert "居住证办理" in own.content and mine.receipt_no in own.content


def test_the_queue_clock_counts_working_days_left_and_late(world, service, calendar_2026):
    application = submitted(world, service)  # due end of Monday 12 October
    assert list(department_queue(account=world["police"])) == [application]
    clock = clock_of(application, now=at(9, 30))
    assert (clock.workdays_left, clock.is_late) == (4, False)  # 8, 9, 10, 12 after the 30th
    assert clock_of(application, now=at(10, 12, 17)).workdays_left == 0  # due today
    late = clock_of(application, now=at(10, 14))
    assert (late.is_late, late.workdays_late) == (True, 2)
