"""What appointments hold about a citizen, for identity's "My data" and unbind pages."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weizheng.identity.personal_data import Row, register

from .selectors import bookings_of_citizen, upcoming_bookings


def _row(booking: Any, account: Any) -> Row:
    when = timezone.localtime(booking.slot.starts_at).strftime("%Y-%m-%d %H:%M")
    return Row(
        label=f"{booking.window.name} · {when}",
        value=f"{booking.code} · {booking.get_status_display()}",
        url=reverse(
            "appointments:booking", kwargs={"account_slug": account.slug, "code": booking.code}
        ),
    )


def bookings(account: Any, openid: str) -> list[Row]:
    return [_row(b, account) for b in bookings_of_citizen(account=account, openid=openid)[:20]]


def upcoming(account: Any, openid: str) -> list[Row]:
    return [_row(b, account) for b in upcoming_bookings(account=account, openid=openid)]


register(
    "appointments.bookings",
    _("Bookings"),
    bookings,
    order=30,
    in_progress=upcoming,
    after_unbinding=_(
        "Bookings stay valid after unbinding: you can still attend them, or cancel them on their "
        "page. Each booking keeps a blind index of your ID number (a one-way code, not the "
        "number) so that the no-show rule can be applied."
    ),
)
