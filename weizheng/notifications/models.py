"""The notification outbox: one row per message to one citizen, written in the same transaction
as the domain change that causes it, delivered after commit by the dispatcher."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from weizheng.wechat.models import OfficialAccount


class Priority(models.IntegerChoices):
    EMERGENCY = 0, _("Emergency")
    HIGH = 5, _("High")
    NORMAL = 10, _("Normal")


class Status(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Channel(models.TextChoices):
    CUSTOM = "custom", _("Customer-service message")
    TEMPLATE = "template", _("Template message")
    SMS = "sms", _("SMS")


class NotificationTemplate(models.Model):
    """Which WeChat template message carries a kind of notification on one account, and how its
    variables fill the template's fields ({"first": "{title}", "keyword1": "{receipt_no}" ...})."""

    account = models.ForeignKey(
        OfficialAccount, on_delete=models.CASCADE, related_name="notification_templates"
    )
    kind = models.CharField(_("notification kind"), max_length=64)
    template_id = models.CharField(_("WeChat template ID"), max_length=64)
    fields = models.JSONField(_("template fields"), default=dict)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("notification template")
        verbose_name_plural = _("notification templates")
        constraints = [
            models.UniqueConstraint(fields=["account", "kind"], name="notifications_template_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.template_id}"


class Notification(models.Model):
    account = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="+")
    openid = models.CharField(_("OpenID"), max_length=64)
    kind = models.CharField(_("kind"), max_length=64)
    variables = models.JSONField(_("variables"), default=dict)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    # The caller's idempotency key ("eservices.application:42:accepted"): the same change never
    # notifies twice, whatever retries the caller makes.
    dedupe_key = models.CharField(max_length=200)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    wechat_msgid = models.CharField(max_length=64, blank=True, db_index=True)
    receipt = models.CharField(_("receipt"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["account", "dedupe_key"], name="notifications_dedupe")
        ]
        indexes = [
            # The dispatcher's scan: due work, emergencies first.
            models.Index(
                fields=["status", "priority", "next_attempt_at"], name="notifications_due"
            ),
            models.Index(fields=["account", "openid", "created_at"], name="notifications_history"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.openid} ({self.status})"


class RateBucket(models.Model):
    """A token bucket per account and API (database backend; Redis keeps its own when set)."""

    account = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="+")
    api = models.CharField(max_length=40)
    tokens = models.FloatField()
    refilled_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "api"], name="notifications_bucket")
        ]

    def __str__(self) -> str:
        return f"{self.api}: {self.tokens:.1f}"


class LanePause(models.Model):
    """An account's lane for one API, stopped after WeChat said its daily quota is spent (45009):
    nothing is sent on it until `until` or until staff resume it."""

    account = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="+")
    api = models.CharField(max_length=40)
    reason = models.CharField(max_length=300)
    paused_at = models.DateTimeField()
    until = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "api"], name="notifications_pause")
        ]

    def __str__(self) -> str:
        return f"{self.api} paused until {self.until:%Y-%m-%d %H:%M}"


class TemplateReceipt(models.Model):
    """A TEMPLATESENDJOBFINISH as WeChat posted it. WeChat may post it before the send call has
    returned the msgid to us; the delivery then finds it here."""

    account = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="+")
    msgid = models.CharField(max_length=64)
    status = models.CharField(max_length=64)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "msgid"], name="notifications_receipt")
        ]

    def __str__(self) -> str:
        return f"{self.msgid}: {self.status}"
