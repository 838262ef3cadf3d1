"""Per-account configuration of record queries, and the per-citizen rate-limit windows.

What was asked and by whom lives in the audit log (action "records.query"); results are never
stored, only cached for a minute (weizheng/records/actions.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from weizheng.core.fields import EncryptedTextField
from weizheng.wechat.models import OfficialAccount

from .connectors.transport import DEFAULT_SIGNATURE_HEADER


class Mode(models.TextChoices):
    OFF = "off", _("Off")
    DEMO = "demo", _("Demo connector")
    HTTP = "http", _("HTTP connector")


class QuerySetting(models.Model):
    """Whether an account offers a query type, and through which connector. No row = off."""

    account = models.ForeignKey(
        OfficialAccount, on_delete=models.CASCADE, related_name="record_query_settings"
    )
    query_type = models.CharField(_("query type"), max_length=40)
    mode = models.CharField(_("connector"), max_length=8, choices=Mode.choices, default=Mode.OFF)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("record query setting")
        verbose_name_plural = _("record query settings")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "query_type"], name="records_one_setting_per_type"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id}:{self.query_type}={self.mode}"


class AuthKind(models.TextChoices):
    NONE = "none", _("None")
    BEARER = "bearer", _("Bearer token")
    BASIC = "basic", _("HTTP basic")
    HMAC = "hmac", _("HMAC-signed header")


class HttpMethod(models.TextChoices):
    GET = "GET", "GET"
    POST = "POST", "POST"


class HttpConnectorConfig(models.Model):
    """The generic JSON-over-HTTP connector of one account for one query type."""

    account = models.ForeignKey(
        OfficialAccount, on_delete=models.CASCADE, related_name="record_http_connectors"
    )
    query_type = models.CharField(_("query type"), max_length=40)
    url_template = models.CharField(_("URL template"), max_length=500)
    method = models.CharField(
        _("method"), max_length=4, choices=HttpMethod.choices, default=HttpMethod.GET
    )
    body_template = models.JSONField(_("body template"), default=dict, blank=True)
    auth_kind = models.CharField(
        _("authentication"), max_length=8, choices=AuthKind.choices, default=AuthKind.NONE
    )
    # The HTTP basic user name, or the HMAC key id.
    auth_username = models.CharField(_("user name or key id"), max_length=128, blank=True)
    # The bearer token, the basic password or the HMAC key: sealed at rest, never shown back.
    auth_secret = EncryptedTextField(_("secret"), blank=True)
    signature_header = models.CharField(
        _("signature header"), max_length=64, default=DEFAULT_SIGNATURE_HEADER
    )
    timeout_seconds = models.FloatField(_("timeout (seconds)"), default=5.0)
    mapping = models.JSONField(_("field mapping"), default=dict)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_tested_at = models.DateTimeField(_("last tested"), null=True, blank=True)
    last_test_outcome = models.CharField(_("last test outcome"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("HTTP record connector")
        verbose_name_plural = _("HTTP record connectors")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "query_type"], name="records_one_http_connector_per_type"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id}:{self.query_type} → {self.url_template}"


class RateWindow(models.Model):
    """Queries of one citizen (openid) of one account in the current one-minute window. One row
    per citizen, reset when a new window starts (used without Redis)."""

    account = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="+")
    openid = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "openid"], name="records_one_rate_window")
        ]

    def __str__(self) -> str:
        return f"{self.account_id}:{self.openid[-4:]} {self.count}"
