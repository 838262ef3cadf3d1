"""Cross-cutting records: the audit log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditLog(models.Model):
    """Who did what to which record, written by actions in the same transaction as the change.

    Also records every read of personal data or tips (the read is the action). Rows are never
    updated or deleted by the application.
    """

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # For actions not taken by a staff member: "system", "cli", "citizen".
    actor_label = models.CharField(_("actor"), max_length=64, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    account = models.ForeignKey(
        "wechat.OfficialAccount",
        verbose_name=_("official account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    target_type = models.CharField(_("target type"), max_length=64, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return (
            f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action} {self.target_type}:{self.target_id}"
        )


class HolidayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday (a day off)")
    WORKDAY = "workday", _("Make-up working day (调休上班)")


class Holiday(models.Model):
    """A day that departs from the Monday-to-Friday week: a public holiday (even on a weekday)
    or a make-up working day (a weekend day worked in exchange for a longer holiday).

    Deployment-wide, edited by superusers in /admin/ or loaded by `manage.py holidays_load`;
    read through weizheng.core.workdays, which every working-day clock uses.
    """

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=HolidayKind.choices)
    name = models.CharField(_("name"), max_length=50, help_text=_("e.g. 国庆节, 春节调休上班."))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("holiday calendar day")
        verbose_name_plural = _("holiday calendar")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"
