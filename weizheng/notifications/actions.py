"""Writes of the notification service: the outbox write every module calls (`notify`), the
dispatcher that delivers due notifications, receipts, and the staff's settings."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from weizheng.core.actions import do_audit
from weizheng.core.errors import AppError
from weizheng.wechat.errors import (
    WeChatApiError,
    WeChatError,
    WeChatNetworkError,
    WeChatQuotaError,
    WeChatServerError,
    WeChatWindowClosedError,
)
from weizheng.wechat.models import OfficialAccount

from . import ratelimit, registry, sms
from .models import (
    Channel,
    LanePause,
    Notification,
    NotificationTemplate,
    Priority,
    Status,
    TemplateReceipt,
)

logger = logging.getLogger(__name__)

APIS = {
    Channel.CUSTOM: "message/custom/send",
    Channel.TEMPLATE: "message/template/send",
    Channel.SMS: "sms",
}
BEIJING = ZoneInfo("Asia/Shanghai")
# Seconds before the n-th retry of a transient failure (network, 5xx); then every hour.
BACKOFF = (30, 60, 120, 300, 600, 1800)
TEXT_MAX_BYTES = 2048


# --- the outbox ---------------------------------------------------------------------------------
def notify(
    *,
    account: OfficialAccount,
    openid: str,
    kind: str,
    variables: dict[str, Any],
    dedupe_key: str,
    priority: int | None = None,
) -> Notification:
    """Queue a notification to one citizen. Call it inside the transaction of the change it
    reports: it is delivered after that transaction commits, and never if it rolls back.

    Idempotent by `dedupe_key`: the same key on the same account returns the first notification.
    Refused (before anything is queued) when the kind is unknown or a variable is missing."""
    definition = registry.get(kind)
    if definition is None:
        raise AppError(
            "unknown_kind", _("There is no notification of kind %(kind)s.") % {"kind": kind}
        )
    missing = definition.missing(variables)
    if missing:
        raise AppError(
            "missing_variables",
            _("The notification lacks: %(names)s.") % {"names": ", ".join(missing)},
            missing=missing,
        )
    if not openid or not dedupe_key:
        raise AppError("no_recipient", _("A notification needs a recipient and a key."))
    text = definition.render_text(variables)
    if len(text.encode("utf-8")) > TEXT_MAX_BYTES:
        raise AppError(
            "text_too_long",
            _("The notification text is over WeChat's 2,048 bytes."),
        )
    if priority is None:
        priority = Priority.EMERGENCY if definition.is_emergency else Priority.NORMAL
    values = {k: str(v) for k, v in variables.items()}
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                account=account,
                openid=openid,
                kind=kind,
                variables=values,
                priority=priority,
                dedupe_key=dedupe_key[:200],
                next_attempt_at=timezone.now(),
            )
    except IntegrityError:
        return Notification.objects.get(account=account, dedupe_key=dedupe_key[:200])
    transaction.on_commit(lambda: _kick(priority))
    return notification


def _kick(priority: int) -> None:
    """Ask a worker to run the dispatcher now (the emergency lane has its own queue)."""
    from .tasks import dispatch_notifications

    queue = "priority" if priority == Priority.EMERGENCY else "default"
    dispatch_notifications.using(queue_name=queue).enqueue()


# --- the dispatcher ----------------------------------------------------------------------------
def dispatch_due(*, limit: int = 200, now: datetime | None = None) -> int:
    """Deliver due notifications, emergencies first, then oldest first; returns how many were
    handled. Rows are claimed one at a time with a conditional update, so several workers share
    the queue; a row left "sending" by a dead worker goes back to the queue after a while."""
    fixed = now
    now = fixed or timezone.now()
    _release_stuck(now)
    handled = 0
    while handled < limit:
        now = fixed or timezone.now()
        due = list(
            Notification.objects.filter(status=Status.PENDING, next_attempt_at__lte=now)
            .order_by("priority", "next_attempt_at", "pk")
            .values_list("pk", flat=True)[: min(50, limit - handled)]
        )
        if not due:
            break
        for pk in due:
            claimed = Notification.objects.filter(pk=pk, status=Status.PENDING).update(
                status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
            )
            if claimed:
                deliver(Notification.objects.select_related("account").get(pk=pk), now=now)
                handled += 1
    return handled


def _release_stuck(now: datetime) -> None:
    cutoff = now - timedelta(minutes=settings.NOTIFICATIONS_STUCK_MINUTES)
    Notification.objects.filter(status=Status.SENDING, claimed_at__lt=cutoff).update(
        status=Status.PENDING, next_attempt_at=now
    )


def _channels(notification: Notification) -> list[Channel]:
    from weizheng.followers.selectors import is_service_window_open

    channels: list[Channel] = []
    if is_service_window_open(account=notification.account, openid=notification.openid):
        channels.append(Channel.CUSTOM)
    if NotificationTemplate.objects.filter(
        account=notification.account, kind=notification.kind, is_active=True
    ).exists():
        channels.append(Channel.TEMPLATE)
    if sms.gateway() is not None and sms.phone_for(notification.account, notification.openid):
        channels.append(Channel.SMS)
    return channels


def _paused_until(account: OfficialAccount, api: str, now: datetime) -> datetime | None:
    pause = LanePause.objects.filter(account=account, api=api, until__gt=now).first()
    return pause.until if pause else None


def deliver(notification: Notification, *, now: datetime | None = None) -> Notification:
    """Send one claimed notification: a customer-service message while the 48-hour window is
    open, else the account's template message for its kind, else SMS. Transient failures are
    retried with backoff for hours; a spent quota (45009) pauses the account's lane for that API
    until the next day (Beijing) and leaves the notification queued."""
    now = now or timezone.now()
    definition = registry.get(notification.kind)
    if definition is None:
        return _finish(notification, status=Status.FAILED, error="unknown kind")
    errors: list[str] = []
    resume_at: datetime | None = None
    for channel in _channels(notification):
        api = APIS[channel]
        paused = _paused_until(notification.account, api, now)
        if paused is not None:
            resume_at = min(resume_at or paused, paused)
            continue
        wait = ratelimit.take(account_id=notification.account_id, api=api, now=now)
        if wait > 0:
            return _later(notification, now + timedelta(seconds=wait), "rate limited", retry=False)
        try:
            msgid = _send(notification, channel, definition)
        except WeChatQuotaError as exc:
            if exc.errcode == 45009:
                until = _pause(notification.account, api, str(exc), now)
                resume_at = min(resume_at or until, until)
            errors.append(f"{channel}: {exc.errcode}")
            continue
        except WeChatWindowClosedError:
            errors.append(f"{channel}: window closed")
            continue
        except (WeChatNetworkError, WeChatServerError) as exc:
            return _retry(notification, now, f"{channel}: {exc}")
        except WeChatApiError as exc:
            errors.append(f"{channel}: {exc.errcode} {exc.errmsg}"[:120])
            continue
        except WeChatError as exc:  # any other client failure: transient
            return _retry(notification, now, f"{channel}: {exc}")
        except Exception as exc:  # an SMS provider's failure: transient, retried with backoff
            if channel != Channel.SMS:
                raise
            return _retry(notification, now, f"sms: {exc}")
        finished = _finish(
            notification, status=Status.SENT, channel=channel, msgid=msgid, sent_at=now
        )
        if channel == Channel.TEMPLATE and msgid:
            _early_receipt(finished)
        return finished
    if resume_at is not None:
        return _later(notification, resume_at, "; ".join(errors) or "lane paused", retry=False)
    return _finish(
        notification,
        status=Status.FAILED,
        error="; ".join(errors) or "no channel: not in the 48-hour window, no template, no SMS",
    )


def _send(notification: Notification, channel: str, definition: registry.NotificationKind) -> str:
    from weizheng.wechat.client import client_for, send_custom_message

    account, variables = notification.account, notification.variables
    if channel == Channel.CUSTOM:
        text = definition.render_text(variables)
        url = definition.render_url(variables)
        if url:
            text = f'{text}\n<a href="{url}">{_("Details")}</a>'
        send_custom_message(
            account, {"touser": notification.openid, "msgtype": "text", "text": {"content": text}}
        )
        return ""
    if channel == Channel.TEMPLATE:
        template = NotificationTemplate.objects.get(account=account, kind=notification.kind)
        data = {
            field: {"value": registry._format(str(pattern), variables)}
            for field, pattern in template.fields.items()
        }
        body: dict[str, Any] = {
            "touser": notification.openid,
            "template_id": template.template_id,
            "data": data,
            # WeChat drops a repeat of the same client_msg_id: a retry after a timeout that
            # reached WeChat does not notify twice.
            "client_msg_id": f"wz-{notification.pk}",
        }
        url = definition.render_url(variables)
        if url:
            body["url"] = url
        answer = client_for(account).post("message/template/send", data=body)
        return str(answer.get("msgid", ""))
    phone = sms.phone_for(account, notification.openid)
    gateway = sms.gateway()
    if not phone or gateway is None:
        raise WeChatApiError(None, "no phone number bound", api="sms")
    return gateway.send(phone, definition.render_text(variables))


def _finish(
    notification: Notification,
    *,
    status: str,
    channel: str = "",
    msgid: str = "",
    sent_at: datetime | None = None,
    error: str = "",
) -> Notification:
    Notification.objects.filter(pk=notification.pk).update(
        status=status,
        channel=channel,
        wechat_msgid=msgid,
        sent_at=sent_at,
        last_error=error[:300],
        claimed_at=None,
    )
    notification.refresh_from_db()
    return notification


def _later(notification: Notification, when: datetime, reason: str, *, retry: bool) -> Notification:
    """Back to the queue for `when`; a wait that is not a failure does not count as an attempt."""
    changes: dict[str, Any] = {
        "status": Status.PENDING,
        "next_attempt_at": when,
        "last_error": reason[:300],
        "claimed_at": None,
    }
    if not retry:
        changes["attempts"] = F("attempts") - 1
    Notification.objects.filter(pk=notification.pk).update(**changes)
    notification.refresh_from_db()
    return notification


def _retry(notification: Notification, now: datetime, error: str) -> Notification:
    give_up_at = notification.created_at + timedelta(hours=settings.NOTIFICATIONS_RETRY_HOURS)
    step = notification.attempts - 1
    delay = BACKOFF[step] if step < len(BACKOFF) else 3600
    when = now + timedelta(seconds=delay)
    if when > give_up_at:
        return _finish(notification, status=Status.FAILED, error=f"gave up: {error}")
    return _later(notification, when, error, retry=True)


def _pause(account: OfficialAccount, api: str, reason: str, now: datetime) -> datetime:
    """Stop the lane until the quota renews at midnight, Beijing time."""
    local = now.astimezone(BEIJING)
    until = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    with transaction.atomic():
        LanePause.objects.update_or_create(
            account=account,
            api=api,
            defaults={"reason": reason[:300], "paused_at": now, "until": until},
        )
        do_audit(
            action="notifications.lane.pause",
            actor_label="system",
            account=account,
            detail={"api": api, "reason": reason[:300], "until": until.isoformat()},
        )
    logger.warning("Lane %s of %s paused until %s: %s", api, account.slug, until, reason)
    return until


def do_resume_lane(*, account: OfficialAccount, api: str, actor: Any) -> int:
    """Staff resume a paused lane (e.g. after the quota was raised); its notifications are due
    again at once."""
    with transaction.atomic():
        deleted, _rows = LanePause.objects.filter(account=account, api=api).delete()
        # Everything of the account waiting for later is due again; what still cannot go out
        # (another paused lane, the rate limit) simply waits again.
        Notification.objects.filter(
            account=account, status=Status.PENDING, next_attempt_at__gt=timezone.now()
        ).update(next_attempt_at=timezone.now())
        do_audit(
            action="notifications.lane.resume", actor=actor, account=account, detail={"api": api}
        )
    transaction.on_commit(lambda: _kick(Priority.NORMAL))
    return deleted


def do_record_receipt(*, account: OfficialAccount, msgid: str, status: str) -> int:
    """TEMPLATESENDJOBFINISH: what became of a template message ("success", "failed:user block",
    "failed:system failed"). Kept even when no notification has that msgid yet."""
    # get_or_create: WeChat's retry of the same event finds the receipt already kept.
    TemplateReceipt.objects.get_or_create(
        account=account, msgid=msgid, defaults={"status": status[:64]}
    )
    return Notification.objects.filter(account=account, wechat_msgid=msgid).update(
        receipt=status[:64]
    )


def _early_receipt(notification: Notification) -> None:
    """WeChat may post TEMPLATESENDJOBFINISH before the send call has returned its msgid to us.
    The msgid is committed first, then the receipts are read; the receipt handler commits the
    receipt first, then updates notifications: one of the two always sees the other."""
    early = (
        TemplateReceipt.objects.filter(
            account=notification.account, msgid=notification.wechat_msgid
        )
        .values_list("status", flat=True)
        .first()
    )
    if early:
        Notification.objects.filter(pk=notification.pk).update(receipt=early)
        notification.receipt = early


def do_cancel(*, notification: Notification, actor: Any) -> bool:
    with transaction.atomic():
        cancelled = Notification.objects.filter(pk=notification.pk, status=Status.PENDING).update(
            status=Status.CANCELLED
        )
        if cancelled:
            do_audit(
                action="notifications.cancel",
                actor=actor,
                account=notification.account,
                target=notification,
            )
    return bool(cancelled)


# --- settings of the back office ---------------------------------------------------------------
def check_save_template(
    *, account: OfficialAccount, kind: str, template_id: str, fields: dict[str, str], actor: Any
) -> NotificationTemplate:
    """Map a kind of notification to one of the account's WeChat templates. Refused when a field
    refers to a variable the kind does not have."""
    definition = registry.get(kind)
    if definition is None:
        raise AppError(
            "unknown_kind", _("There is no notification of kind %(kind)s.") % {"kind": kind}
        )
    template_id = (template_id or "").strip()
    if not template_id or len(template_id) > 64:
        raise AppError(
            "invalid_template_id", _("Give the template ID WeChat shows (up to 64 characters).")
        )
    if not fields:
        raise AppError("no_fields", _("Map at least one template field."))
    for name, pattern in fields.items():
        unknown = registry.placeholders(str(pattern)) - set(definition.variables)
        if unknown:
            raise AppError(
                "unknown_variable",
                _("The field %(field)s refers to %(names)s, which this kind does not have.")
                % {"field": name, "names": ", ".join(sorted(unknown))},
            )
    with transaction.atomic():
        template, _created = NotificationTemplate.objects.update_or_create(
            account=account,
            kind=kind,
            defaults={"template_id": template_id, "fields": fields, "is_active": True},
        )
        do_audit(
            action="notifications.template.save",
            actor=actor,
            account=account,
            target=template,
            detail={"kind": kind, "template_id": template_id},
        )
    return template
