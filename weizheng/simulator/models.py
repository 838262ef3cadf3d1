"""What the simulator keeps of its own: the text messages its SMS gateway "sent" (dev and demo)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SimulatedSms(models.Model):
    """One text message, shown in the simulator's SMS panel instead of reaching a phone.

    Only the masked number is kept (138****8000): the demo user recognises their own number, and
    the table never holds a full phone number next to a code. The blind index of the number
    (keyed HMAC, as identity keeps it) lets the panel show a persona only the texts of their own
    phones.
    """

    phone = models.CharField(_("phone (masked)"), max_length=20)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True)
    text = models.TextField(_("text"))
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("simulated text message")
        verbose_name_plural = _("simulated text messages")
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return f"SMS to {self.phone}"
