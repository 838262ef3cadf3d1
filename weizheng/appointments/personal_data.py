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


def cancel_upcoming(*, binding: Any, actor: Any = None, ip_address: str | None = None) -> None:
    """A booking needs a binding: the upcoming ones made under an ended binding are cancelled."""
    from .actions import do_cancel_bookings_of_binding

    do_cancel_bookings_of_binding(binding=binding, actor=actor, ip_address=ip_address)


register(
    "appointments.bookings",
    _("Bookings"),
    bookings,
    order=30,
    in_progress=upcoming,
    after_unbinding=_(
        "A booking needs a binding: unbinding cancels these bookings, frees their places and "
        "sends you a message. Past bookings stay for your history and keep a blind index of your "
        "ID number (a one-way code, not the number) so that the no-show rule can be applied."
    ),
    on_unbind=cancel_upcoming,
)
