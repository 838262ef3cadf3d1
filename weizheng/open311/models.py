"""Open311 API clients: the programs (a city hotline's app, a 12345 platform) that post citizens'
requests into 微信问政 with a key.

The key is shown once, when it is made; only its SHA-256 is stored. A key is 32 random bytes, so
a plain hash is enough (nothing to brute-force) and does not break when SECRET_KEY rotates. A
client may be limited to some accounts; with none it may post to every account running 问政."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiClient(models.Model):
    name = models.SlugField(_("name"), max_length=50, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    # The key's first characters, to tell keys apart in lists without revealing them.
    key_prefix = models.CharField(_("key starts with"), max_length=12)
    is_active = models.BooleanField(_("active"), default=True)
    accounts = models.ManyToManyField(
        "wechat.OfficialAccount",
        verbose_name=_("accounts"),
        blank=True,
        related_name="+",
        help_text=_("The accounts this client may post to; none means every account."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """How the client is named on the requests it sends and in the audit log."""
        return f"open311:{self.name}"
