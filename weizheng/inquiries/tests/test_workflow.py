"""The department's steps: sign for, start, reply, transfer with a reason, extension with
approval, close — each allowed only from the states the table allows and only to the right
people; and the access rule (the assigned department, the account's supervisors)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from weizheng.core.errors import AppError
from weizheng.core.models import AuditLog
from weizheng.inquiries import actions
from weizheng.inquiries.models import EventKind, ExtensionRequest, InquiryStatus
from weizheng.inquiries.selectors import access_inquiry, queue_for
from weizheng.notifications.models import Notification

from .conftest import CITIZEN, submit

SH = ZoneInfo("Asia/Shanghai")


def at(day, hour=10, month=11):
    return time_machine.travel(datetime(2026, month, day, hour, 0, tzinfo=SH), tick=False)


@pytest.fixture
def traffic_request(world):
    with at(25):  # Wednesday
        return submit(world, category="traffic", description="解放路口红绿灯时间太短，行人过不去")


def test_the_assigned_department_signs_replies_and_the_citizen_is_told(world, traffic_request):
    with at(26):
        inquiry = actions.check_sign(inquiry=traffic_request, actor=world["pete"])
    assert inquiry.status == InquiryStatus.SIGNED
    assert inquiry.due_at == inquiry.reply_due_at
    with at(27):
        inquiry = actions.check_start(inquiry=inquiry, actor=world["pete"], note="已派员现场查看")
        inquiry = actions.check_reply(
            inquiry=inquiry, actor=world["pete"], reply="经现场查看，已将行人绿灯延长至35秒。"
        )
    assert inquiry.status == InquiryStatus.REPLIED
    assert inquiry.replied_on_time is True
    assert inquiry.due_at is None
    assert inquiry.status_note == "经现场查看，已将行人绿灯延长至35秒。"
    reply = Notification.objects.get(openid=CITIZEN, kind="inquiries.reply")
    assert reply.variables["reply"] == "经现场查看，已将行人绿灯延长至35秒。"
    assert reply.variables["department"] == "平安市公安局交警支队"
    kinds = list(inquiry.events.values_list("kind", flat=True))
    assert kinds == ["submitted", "signed", "started", "replied"]
    assert AuditLog.objects.filter(action="inquiries.inquiry.replied", actor=world["pete"]).exists()


def test_a_late_reply_is_recorded_as_late(world, traffic_request):
    actions.check_sign(inquiry=traffic_request, actor=world["pete"])
    with at(3, month=12):  # the reply was due on Wednesday 2 December
        inquiry = actions.check_reply(
            inquiry=traffic_request, actor=world["pete"], reply="已处理。"
        )
    assert inquiry.replied_on_time is False


@pytest.mark.parametrize("who", ["wanda", "olga", "ann", "dan"])
def test_others_cannot_handle_the_request_and_nothing_changes(world, traffic_request, who):
    with pytest.raises(AppError) as refused:
        actions.check_sign(inquiry=traffic_request, actor=world[who])
    assert refused.value.status == 403
    traffic_request.refresh_from_db()
    assert traffic_request.status == InquiryStatus.RECEIVED
    assert not AuditLog.objects.filter(action="inquiries.inquiry.signed").exists()
    with pytest.raises(Exception) as hidden:
        access_inquiry(world[who], traffic_request.pk)
    assert type(hidden.value).__name__ == "Http404"


def test_the_supervisor_of_the_account_sees_and_may_handle_every_request(world, traffic_request):
    assert access_inquiry(world["gina"], traffic_request.pk) == traffic_request
    assert list(queue_for(world["gina"])) == [traffic_request]
    assert list(queue_for(world["pete"])) == [traffic_request]
    assert list(queue_for(world["wanda"])) == []


def test_a_step_the_table_does_not_allow_is_refused(world, traffic_request):
    with pytest.raises(AppError) as refused:
        actions.check_reply(inquiry=traffic_request, actor=world["pete"], reply="好的")
    assert refused.value.status == 409
    assert "cannot become" in refused.value.message
    actions.check_sign(inquiry=traffic_request, actor=world["pete"])
    with pytest.raises(AppError):
        actions.check_sign(inquiry=traffic_request, actor=world["pete"])


def test_a_stale_page_cannot_move_the_request(world, traffic_request):
    actions.check_sign(inquiry=traffic_request, actor=world["pete"])
    with pytest.raises(AppError) as refused:
        actions.check_start(inquiry=traffic_request, actor=world["pete"], seen_status="received")
    assert refused.value.status == 409


def test_an_empty_reply_is_refused(world, traffic_request):
    actions.check_sign(inquiry=traffic_request, actor=world["pete"])
    with pytest.raises(AppError) as refused:
        actions.check_reply(inquiry=traffic_request, actor=world["pete"], reply="  ")
    assert refused.value.code == "reply_missing"


def test_a_supervisor_transfers_with_a_reason_and_the_new_department_signs_again(
    world, traffic_request
):
    actions.check_sign(inquiry=traffic_request, actor=world["pete"])
    with pytest.raises(AppError) as refused:
        actions.check_transfer(
            inquiry=traffic_request, actor=world["gina"], department=world["water"], reason=""
        )
    assert refused.value.code == "reason_missing"
    with pytest.raises(AppError) as forbidden:
        actions.check_transfer(
            inquiry=traffic_request,
            actor=world["pete"],
            department=world["water"],
            reason="不归我们",
        )
    assert forbidden.value.status == 403
    with at(26, 15):
        inquiry = actions.check_transfer(
            inquiry=traffic_request,
            actor=world["gina"],
            department=world["office"],
            reason="信号灯配时由市政府办公室统筹",
        )
    assert inquiry.department == world["office"]
    assert inquiry.status == InquiryStatus.RECEIVED
    assert inquiry.signed_at is None
    assert inquiry.sign_due_at == datetime(2026, 11, 27, 23, 59, 59, 999999, tzinfo=SH)
    # The reply deadline never moves earlier: 5 working days from Thursday is Thursday 3 Dec.
    assert inquiry.reply_due_at == datetime(2026, 12, 3, 23, 59, 59, 999999, tzinfo=SH)
    event = inquiry.events.get(kind=EventKind.TRANSFERRED)
    assert (event.from_department, event.to_department) == (world["traffic"], world["office"])
    assert event.note == "信号灯配时由市政府办公室统筹"
    # The traffic police no longer see it; the office's handler does.
    assert list(queue_for(world["pete"])) == []
    actions.check_sign(inquiry=inquiry, actor=world["dan"])


def test_a_transfer_to_the_same_department_is_refused(world, traffic_request):
    with pytest.raises(AppError) as refused:
        actions.check_transfer(
            inquiry=traffic_request, actor=world["gina"], department=world["traffic"], reason="x"
        )
    assert refused.value.code == "same_department"


def test_an_approved_extension_moves_the_reply_deadline_by_working_days(world, traffic_request):
    actions.check_sign(inquiry=traffic_request, actor=world["pete"])
    extension = actions.check_request_extension(
        inquiry=traffic_request, actor=world["pete"], workdays=3, reason="需协调施工单位"
    )
    with pytest.raises(AppError) as twice:
        actions.check_request_extension(
            inquiry=traffic_request, actor=world["pete"], workdays=2, reason="再等等"
        )
    assert twice.value.code == "extension_pending"
    with pytest.raises(AppError) as not_theirs:
        actions.check_decide_extension(extension=extension, actor=world["pete"], approve=True)
    assert not_theirs.value.status == 403
    actions.check_decide_extension(extension=extension, actor=world["gina"], approve=True)
    traffic_request.refresh_from_db()
    # Wednesday 2 December + 3 working days = Monday 7 December.
    assert traffic_request.reply_due_at == datetime(2026, 12, 7, 23, 59, 59, 999999, tzinfo=SH)
    assert traffic_request.due_at == traffic_request.reply_due_at
    # the citizen is told the new deadline, once
    told = Notification.objects.get(openid=CITIZEN, kind="inquiries.extended")
    assert told.variables["due"] == "2026-12-07 23:59"
    assert told.variables["public_id"] == traffic_request.public_id
    with pytest.raises(AppError) as decided:
        actions.check_decide_extension(
            extension=extension, actor=world["gina"], approve=False, note="x"
        )
    assert decided.value.code == "extension_decided"
    assert Notification.objects.filter(kind="inquiries.extended").count() == 1


def test_a_refused_extension_needs_a_reason_and_changes_no_deadline(world, traffic_request):
    actions.check_sign(inquiry=traffic_request, actor=world["pete"])
    due = traffic_request.reply_due_at
    extension = actions.check_request_extension(
        inquiry=traffic_request, actor=world["pete"], workdays=3, reason="人手不足"
    )
    with pytest.raises(AppError):
        actions.check_decide_extension(extension=extension, actor=world["gina"], approve=False)
    actions.check_decide_extension(
        extension=extension, actor=world["gina"], approve=False, note="简单问题，按期答复"
    )
    traffic_request.refresh_from_db()
    assert traffic_request.reply_due_at == due
    assert ExtensionRequest.objects.get().status == "refused"
    assert not Notification.objects.filter(kind="inquiries.extended").exists()


def test_an_extension_before_signing_is_refused(world, traffic_request):
    with pytest.raises(AppError) as refused:
        actions.check_request_extension(
            inquiry=traffic_request, actor=world["pete"], workdays=3, reason="x"
        )
    assert refused.value.status == 409
    assert not ExtensionRequest.objects.exists()


def test_a_supervisor_closes_an_answered_request(world, traffic_request):
    actions.check_sign(inquiry=traffic_request, actor=world["pete"])
    actions.check_reply(inquiry=traffic_request, actor=world["pete"], reply="已处理。")
    with pytest.raises(AppError):
        actions.check_close(inquiry=traffic_request, actor=world["pete"])
    inquiry = actions.check_close(inquiry=traffic_request, actor=world["gina"])
    assert inquiry.status == InquiryStatus.CLOSED and inquiry.closed_at
