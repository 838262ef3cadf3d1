"""The notification service against the mock platform over real HTTP: the outbox, channel
choice, retries, the quota pause, receipts, the rate limit and the priority lane."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from weizheng.core.errors import AppError
from weizheng.core.models import AuditLog
from weizheng.notifications import actions
from weizheng.notifications.actions import check_save_template, dispatch_due, notify
from weizheng.notifications.models import LanePause, Notification, Priority, Status
from weizheng.wechat.models import ApiCall
from weizheng.wechat_mock import actions as mock
from weizheng.wechat_mock.models import MockDelivered

pytestmark = pytest.mark.django_db(transaction=True)

NOTICE = {"title": "办理提醒", "content": "您预约的驾驶证换证业务将于明天上午 9:00 办理。"}
SENT_PHONES: list[tuple[str, str]] = []


def phone_of(account, openid):
    return "13800138000" if openid.endswith("1") or openid.startswith("o") else None


class RecordingGateway:
    def send(self, phone, text):
        SENT_PHONES.append((phone, text))
        return f"sms-{len(SENT_PHONES)}"


@pytest.fixture(autouse=True)
def _sync(settings):
    settings.WECHAT_MOCK_SYNC_CALLBACKS = True
    settings.NOTIFICATIONS_SMS_GATEWAY = ""  # no SMS unless a test sets one
    SENT_PHONES.clear()


def delivered(account, channel=""):
    qs = MockDelivered.objects.filter(app__appid=account.app_id)
    return qs.filter(channel=channel) if channel else qs


def open_window(account, citizen):
    """The citizen writes to the account: the 48-hour window opens (interaction log)."""
    assert mock.user_sends_text(account.app_id, citizen.openid, "你好").ok


def send_notice(account, openid, key="k1", **extra):
    with transaction.atomic():
        return notify(
            account=account,
            openid=openid,
            kind="office.notice",
            variables=NOTICE,
            dedupe_key=key,
            **extra,
        )


def with_template(account):
    return check_save_template(
        account=account,
        kind="office.notice",
        template_id="TPL-notice-001",
        fields={"first": "{title}", "keyword1": "{content}"},
        actor=None,
    )


def test_inside_the_window_a_customer_service_message_goes_out_after_commit(mock_account, citizen):
    open_window(mock_account, citizen)
    n = send_notice(mock_account, citizen.openid)
    n.refresh_from_db()
    assert (n.status, n.channel) == (Status.SENT, "custom")
    [message] = delivered(mock_account, "custom")
    assert message.openid == citizen.openid
    assert "您预约的驾驶证换证业务" in message.payload["text"]["content"]


def test_a_rolled_back_transaction_sends_nothing(mock_account, citizen):
    open_window(mock_account, citizen)
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            notify(
                account=mock_account,
                openid=citizen.openid,
                kind="office.notice",
                variables=NOTICE,
                dedupe_key="rollback",
            )
            raise RuntimeError("the domain change failed")
    assert not Notification.objects.exists()
    dispatch_due()
    assert not delivered(mock_account, "custom").exists()


def test_the_same_change_notifies_once(mock_account, citizen):
    open_window(mock_account, citizen)
    first = send_notice(mock_account, citizen.openid, key="application:42:accepted")
    again = send_notice(mock_account, citizen.openid, key="application:42:accepted")
    assert first.pk == again.pk
    assert delivered(mock_account, "custom").count() == 1


def test_outside_the_window_the_template_goes_out_and_its_receipt_is_recorded(
    mock_account, citizen
):
    with_template(mock_account)
    n = send_notice(mock_account, citizen.openid)
    n.refresh_from_db()
    assert (n.status, n.channel) == (Status.SENT, "template")
    [message] = delivered(mock_account, "template")
    assert message.payload["template_id"] == "TPL-notice-001"
    assert message.payload["data"]["keyword1"]["value"] == NOTICE["content"]
    assert message.payload["client_msg_id"] == f"wz-{n.pk}"
    assert n.wechat_msgid
    n.refresh_from_db()
    assert n.receipt == "success"  # TEMPLATESENDJOBFINISH through the callback


def test_without_window_or_template_the_sms_fallback_is_used(mock_account, citizen, settings):
    settings.NOTIFICATIONS_SMS_GATEWAY = f"{__name__}.RecordingGateway"
    settings.NOTIFICATIONS_PHONE_LOOKUP = f"{__name__}.phone_of"
    n = send_notice(mock_account, citizen.openid)
    n.refresh_from_db()
    assert (n.status, n.channel) == (Status.SENT, "sms")
    assert SENT_PHONES == [("13800138000", "【办理提醒】" + NOTICE["content"])]


def test_with_no_channel_the_notification_fails_with_the_reason(mock_account, citizen):
    n = send_notice(mock_account, citizen.openid)
    n.refresh_from_db()
    assert n.status == Status.FAILED
    assert "no channel" in n.last_error


def test_a_closed_window_falls_back_to_the_template(mock_account, citizen):
    """Our log says the window is open, WeChat says it is not (45015): the template goes out."""
    open_window(mock_account, citizen)
    with_template(mock_account)
    mock.inject_fault(kind="errcode", api="cgi-bin/message/custom/send", value=45015, remaining=1)
    n = send_notice(mock_account, citizen.openid)
    n.refresh_from_db()
    assert (n.status, n.channel) == (Status.SENT, "template")


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"title": "办理提醒"}, "missing_variables"),
        ({"title": " ", "content": "x"}, "missing_variables"),
    ],
)
def test_missing_variables_are_refused_before_anything_is_queued(
    mock_account, citizen, variables, code
):
    with pytest.raises(AppError) as refused:
        notify(
            account=mock_account,
            openid=citizen.openid,
            kind="office.notice",
            variables=variables,
            dedupe_key="x",
        )
    assert refused.value.code == code
    assert not Notification.objects.exists()


def test_an_unknown_kind_and_an_over_long_text_are_refused(mock_account, citizen):
    with pytest.raises(AppError) as unknown:
        notify(
            account=mock_account,
            openid=citizen.openid,
            kind="no.such",
            variables={},
            dedupe_key="x",
        )
    assert unknown.value.code == "unknown_kind"
    with pytest.raises(AppError) as long:
        notify(
            account=mock_account,
            openid=citizen.openid,
            kind="office.notice",
            variables={"title": "t", "content": "长" * 700},
            dedupe_key="y",
        )
    assert long.value.code == "text_too_long"


def test_a_template_field_naming_an_unknown_variable_is_refused(mock_account):
    with pytest.raises(AppError) as refused:
        check_save_template(
            account=mock_account,
            kind="office.notice",
            template_id="TPL",
            fields={"keyword1": "{receipt_no}"},
            actor=None,
        )
    assert refused.value.code == "unknown_variable"


def test_transient_failures_are_retried_with_backoff_then_given_up(mock_account, citizen, settings):
    settings.WECHAT_HTTP_RETRIES = 0
    open_window(mock_account, citizen)
    mock.inject_fault(kind="http_500", api="cgi-bin/message/custom/send", remaining=100)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        n = send_notice(mock_account, citizen.openid)
        n.refresh_from_db()
        assert n.status == Status.PENDING and n.attempts == 1
        assert n.next_attempt_at == start + timedelta(seconds=30)
        assert dispatch_due() == 0  # not due yet
    with time_machine.travel(start + timedelta(seconds=31), tick=False):
        dispatch_due()
        n.refresh_from_db()
        assert n.attempts == 2 and n.next_attempt_at == start + timedelta(seconds=91)
    mock.clear_faults()
    with time_machine.travel(start + timedelta(seconds=92), tick=False):
        dispatch_due()
    n.refresh_from_db()
    assert (n.status, n.attempts) == (Status.SENT, 3)

    mock.inject_fault(kind="http_500", api="cgi-bin/message/custom/send", remaining=1000)
    late = send_notice(mock_account, citizen.openid, key="k2")
    for hours in range(1, 14):
        with time_machine.travel(timezone.now() + timedelta(hours=hours), tick=False):
            dispatch_due()
    late.refresh_from_db()
    assert late.status == Status.FAILED and late.last_error.startswith("gave up")


def test_a_spent_quota_pauses_the_lane_until_midnight_and_staff_can_resume(mock_account, citizen):
    with_template(mock_account)
    mock.inject_fault(kind="errcode", api="cgi-bin/message/template/send", value=45009, remaining=1)
    first = send_notice(mock_account, citizen.openid, key="a")
    first.refresh_from_db()
    assert first.status == Status.PENDING
    pause = LanePause.objects.get(account=mock_account, api="message/template/send")
    assert timezone.localtime(pause.until).hour == 0 and pause.until > timezone.now()
    assert AuditLog.objects.filter(action="notifications.lane.pause").exists()

    calls = ApiCall.objects.filter(api="message/template/send").count()
    second = send_notice(mock_account, citizen.openid, key="b")
    second.refresh_from_db()
    assert second.status == Status.PENDING
    assert ApiCall.objects.filter(api="message/template/send").count() == calls  # not hammered

    actions.do_resume_lane(account=mock_account, api="message/template/send", actor=None)
    dispatch_due()
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == second.status == Status.SENT


@override_settings(NOTIFICATIONS_RATE_PER_SECOND=1.0, NOTIFICATIONS_RATE_BURST=3.0)
def test_the_token_bucket_spaces_out_a_burst(mock_account, citizen):
    open_window(mock_account, citizen)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        with transaction.atomic():
            for i in range(5):
                notify(
                    account=mock_account,
                    openid=citizen.openid,
                    kind="office.notice",
                    variables=NOTICE,
                    dedupe_key=f"burst-{i}",
                )
        assert Notification.objects.filter(status=Status.SENT).count() == 3
        waiting = Notification.objects.filter(status=Status.PENDING)
        assert waiting.count() == 2
        assert all(n.next_attempt_at > start for n in waiting)
        assert all(n.attempts == 0 for n in waiting)  # waiting for a token is not a failure
    with time_machine.travel(start + timedelta(seconds=2.5), tick=False):
        dispatch_due()
    assert Notification.objects.filter(status=Status.SENT).count() == 5


def test_the_priority_lane_overtakes_a_large_backlog(mock_account, citizen, monkeypatch):
    open_window(mock_account, citizen)
    queues = []
    monkeypatch.setattr(actions, "_kick", lambda priority: queues.append(priority))
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(
            account=mock_account,
            openid=citizen.openid,
            kind="office.notice",
            variables=NOTICE,
            dedupe_key=f"backlog-{i}",
            next_attempt_at=now - timedelta(minutes=5),
        )
        for i in range(3000)
    )
    with transaction.atomic():
        alert = notify(
            account=mock_account,
            openid=citizen.openid,
            kind="alerts.emergency",
            variables={"headline": "暴雨红色预警", "instruction": "请减少外出。"},
            dedupe_key="alert-1",
        )
    assert alert.priority == Priority.EMERGENCY and queues == [Priority.EMERGENCY]
    assert dispatch_due(limit=1) == 1
    alert.refresh_from_db()
    assert alert.status == Status.SENT
    assert (
        not Notification.objects.filter(kind="office.notice")
        .exclude(status=Status.PENDING)
        .exists()
    )


def test_the_emergency_kick_goes_to_the_priority_queue(monkeypatch):
    from weizheng.notifications import tasks

    used = []

    class FakeTask:
        def using(self, **options):
            used.append(options)
            return self

        def enqueue(self):
            return None

    monkeypatch.setattr(tasks, "dispatch_notifications", FakeTask())
    actions._kick(Priority.EMERGENCY)
    actions._kick(Priority.NORMAL)
    assert used == [{"queue_name": "priority"}, {"queue_name": "default"}]


def test_a_notification_left_sending_by_a_dead_worker_goes_out_later(mock_account, citizen):
    open_window(mock_account, citizen)
    long_ago = timezone.now() - timedelta(minutes=30)
    n = Notification.objects.create(
        account=mock_account,
        openid=citizen.openid,
        kind="office.notice",
        variables=NOTICE,
        dedupe_key="stuck",
        status=Status.SENDING,
        claimed_at=long_ago,
        next_attempt_at=long_ago,
        attempts=1,
    )
    dispatch_due()
    n.refresh_from_db()
    assert n.status == Status.SENT


def test_the_follower_page_lists_what_was_sent(mock_account, citizen, django_user_model):
    from django.test import Client

    from weizheng.followers.models import Follower
    from weizheng.staff.models import Department, Membership, Role
    from weizheng.staff.testing import login_staff

    open_window(mock_account, citizen)
    send_notice(mock_account, citizen.openid)
    department = Department.objects.create(name="交警支队")
    department.accounts.add(mock_account)
    alice = django_user_model.objects.create_user("alice", password="pw-2026-x!")
    Membership.objects.create(user=alice, department=department, role=Role.ADMINISTRATOR)
    office = Client()
    login_staff(office, alice)
    follower, _ = Follower.objects.get_or_create(account=mock_account, openid=citizen.openid)
    page = office.get(
        f"/office/accounts/{mock_account.pk}/followers/{follower.pk}/"
    ).content.decode()
    history = page.split('data-testid="notifications"')[1].split("</table>")[0]
    assert "office.notice" in history


def test_resuming_a_lane_releases_every_notification_waiting_for_it(mock_account, citizen):
    other = mock.create_user(mock_account.app_id, nickname="李娜")
    with_template(mock_account)
    mock.inject_fault(kind="errcode", api="cgi-bin/message/template/send", value=45009, remaining=1)
    first = send_notice(mock_account, citizen.openid, key="a")
    second = send_notice(mock_account, other.openid, key="b")  # never tried: the lane is paused
    for n in (first, second):
        n.refresh_from_db()
        assert n.status == Status.PENDING
    actions.do_resume_lane(account=mock_account, api="message/template/send", actor=None)
    dispatch_due()
    for n in (first, second):
        n.refresh_from_db()
        assert n.status == Status.SENT
