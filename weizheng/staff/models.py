"""Departments, the accounts they run, and the roles staff hold in them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from weizheng.wechat.models import OfficialAccount


class Department(models.Model):
    """A government department (公安局交警支队, 水务集团客服中心 ...) and the accounts it runs."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    accounts = models.ManyToManyField(
        OfficialAccount, verbose_name=_("official accounts"), blank=True, related_name="departments"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    EDITOR = "editor", _("Editor")
    REVIEWER = "reviewer", _("Reviewer")
    HANDLER = "handler", _("Handler")
    INVESTIGATOR = "investigator", _("Investigator")
    ANALYST = "analyst", _("Analyst")
    FINANCE = "finance", _("Finance")


class Membership(models.Model):
    """One role of one staff member in one department; roles grant permissions on the
    department's accounts only."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "department", "role"], name="staff_membership_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.department} · {self.get_role_display()}"
