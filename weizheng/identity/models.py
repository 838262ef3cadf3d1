"""Real-name binding: an openid of one account bound to a name, a resident ID number and a phone
verified by SMS, with the consent the citizen gave and the one-time codes that proved the phone.

Personal fields are sealed at rest (EncryptedTextField); the ID and phone numbers also carry a
blind index (keyed HMAC, weizheng.core.crypto.blind_index) so they can be looked up exactly without
being decrypted. Unbinding wipes the personal fields and the indexes and keeps the row (with the
time and who unbound) for the audit trail.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from weizheng.core.fields import EncryptedTextField
from weizheng.wechat.models import OfficialAccount

ID_NUMBER_CONTEXT = "identity.id_number"
PHONE_CONTEXT = "identity.phone"


class Binding(models.Model):
    """One citizen (openid) of one account bound to one real identity; active while unbound_at is
    empty. At most one active binding per openid and per ID number on an account."""

    account = models.ForeignKey(
        OfficialAccount,
        verbose_name=_("official account"),
        on_delete=models.PROTECT,
        related_name="bindings",
    )
    openid = models.CharField(_("OpenID"), max_length=64)
    name = EncryptedTextField(pgettext_lazy("person", "name"), blank=True)
    id_number = EncryptedTextField(_("resident ID number"), blank=True)
    phone = EncryptedTextField(_("mobile phone"), blank=True)
    id_number_index = models.CharField(max_length=64, blank=True, db_index=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True)
    # Which IdentityVerifier accepted the identity ("accept-valid" by default).
    verified_by = models.CharField(_("verified by"), max_length=64, blank=True)
    bound_at = models.DateTimeField(_("bound"))
    unbound_at = models.DateTimeField(_("unbound"), null=True, blank=True)
    unbound_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("unbound by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unbind_reason = models.CharField(_("reason for unbinding"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("real-name binding")
        verbose_name_plural = _("real-name bindings")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "openid"],
                condition=Q(unbound_at__isnull=True),
                name="identity_one_active_binding_per_openid",
            ),
            models.UniqueConstraint(
                fields=["account", "id_number_index"],
                condition=Q(unbound_at__isnull=True),
                name="identity_one_active_binding_per_id_number",
            ),
        ]
        indexes = [models.Index(fields=["account", "openid"], name="identity_binding_openid")]

    def __str__(self) -> str:
        return f"binding {self.pk} ({self.account_id})"

    @property
    def is_active(self) -> bool:
        return self.unbound_at is None

    @property
    def state_label(self) -> str:
        from django.utils.translation import pgettext

        return pgettext("binding", "Active") if self.is_active else pgettext("binding", "Ended")

    @property
    def verified_by_label(self) -> str:
        from .verifiers import verified_by_label

        return verified_by_label(self.verified_by)


class Consent(models.Model):
    """What the citizen agreed to, when, and under which version of the privacy notice; withdrawn
    when the binding ends."""

    account = models.ForeignKey(
        OfficialAccount,
        verbose_name=_("official account"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    openid = models.CharField(_("OpenID"), max_length=64)
    binding = models.ForeignKey(
        Binding,
        verbose_name=_("binding"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consents",
    )
    purpose = models.CharField(_("purpose"), max_length=200)
    notice_version = models.CharField(_("privacy notice version"), max_length=32)
    given_at = models.DateTimeField(_("given"))
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_at", "-id"]
        indexes = [models.Index(fields=["account", "openid"], name="identity_consent_openid")]

    def __str__(self) -> str:
        return f"consent {self.pk} ({self.notice_version})"


class SmsChallenge(models.Model):
    """A one-time code sent to a phone for one openid; only its salted hash is kept."""

    account = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="+")
    openid = models.CharField(max_length=64)
    phone_index = models.CharField(max_length=64)
    salt = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    # Set when the code was used, replaced by a newer one, or burnt by too many wrong tries.
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["account", "openid", "created_at"], name="identity_sms_openid"),
            models.Index(
                fields=["account", "phone_index", "created_at"], name="identity_sms_phone"
            ),
        ]

    def __str__(self) -> str:
        return f"sms challenge {self.pk}"


class SmsGuard(models.Model):
    """Throttle and cool-down state of one openid or one phone (by blind index) on an account.

    Kept in the database, not in memory, so every web process sees the same limits; claimed with
    conditional updates so two processes cannot both pass a limit.
    """

    class Kind(models.TextChoices):
        OPENID = "openid", _("OpenID")
        PHONE = "phone", _("phone")

    account = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    key = models.CharField(max_length=64)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "kind", "key"], name="identity_sms_guard_key"
            )
        ]

    def __str__(self) -> str:
        return f"sms guard {self.kind}"
