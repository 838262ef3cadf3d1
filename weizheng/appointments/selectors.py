"""Reads of the appointments app. A citizen's booking is fetched with their openid (someone
else's booking answers exactly like an unknown one); the office's reads are scoped to the
account the staff member was let into."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from weizheng.core.workdays import current_calendar
from weizheng.wechat.models import OfficialAccount

from .actions import checkin_span, cutoff_of, local_today, offered_days
from .models import ACTIVE_STATUSES, Booking, BookingStatus, Slot, Window, WindowDay


# --- citizens ------------------------------------------------------------------------------------
def offered_windows(*, account: OfficialAccount) -> QuerySet[Window]:
    """Windows of the account open for booking that have opening hours."""
    return (
        Window.objects.filter(account=account, is_active=True, periods__isnull=False)
        .select_related("guide")
        .distinct()
        .order_by("name", "pk")
    )


def windows_for_guide(*, guide: Any) -> QuerySet[Window]:
    """The bookable windows that serve this guide, in whichever language version it is read
    (the versions of one guide share its `group`)."""
    return offered_windows(account=guide.account).filter(guide__group=guide.group)


def access_window_for_citizen(*, account: OfficialAccount, window_id: Any) -> Window:
    try:
        pk = int(window_id)
    except (TypeError, ValueError):
        raise Http404("No such window.") from None
    window = offered_windows(account=account).filter(pk=pk).first()
    if window is None:
        raise Http404("No such window.")
    return window


@dataclass(frozen=True)
class DayOffer:
    day: date
    places_left: int
    is_closed: bool

    @property
    def is_full(self) -> bool:
        return self.places_left <= 0


def day_offers(*, window: Window, now: datetime | None = None) -> list[DayOffer]:
    """The offered working days with the places left in slots still open for booking (call
    actions.do_prepare_day for each first)."""
    now = now or timezone.now()
    days = offered_days(window, now=now)
    closed = set(
        WindowDay.objects.filter(window=window, day__in=days, is_closed=True).values_list(
            "day", flat=True
        )
    )
    left: dict[date, int] = {day: 0 for day in days}
    for slot in Slot.objects.filter(window=window, day__in=days, is_open=True):
        if now < cutoff_of(slot, window):
            left[slot.day] += slot.places_left
    return [DayOffer(day, 0 if day in closed else left[day], day in closed) for day in days]


@dataclass(frozen=True)
class SlotOffer:
    slot: Slot
    places_left: int
    is_past_cutoff: bool

    @property
    def is_bookable(self) -> bool:
        return self.places_left > 0 and not self.is_past_cutoff


def slot_offers(*, window: Window, day: date, now: datetime | None = None) -> list[SlotOffer]:
    now = now or timezone.now()
    if WindowDay.objects.filter(window=window, day=day, is_closed=True).exists():
        return []
    return [
        SlotOffer(slot, slot.places_left, now >= cutoff_of(slot, window))
        for slot in Slot.objects.filter(window=window, day=day, is_open=True).order_by("starts_at")
    ]


def is_offered_day(*, window: Window, day: date, now: datetime | None = None) -> bool:
    return current_calendar().is_workday(day) and day in offered_days(window, now=now)


def bookings_of_citizen(*, account: OfficialAccount, openid: str) -> QuerySet[Booking]:
    """The citizen's bookings on this account, newest slot first (their own openid only)."""
    return (
        Booking.objects.filter(account=account, openid=openid)
        .select_related("window", "slot")
        .order_by("-slot__starts_at", "-pk")
    )


def upcoming_bookings(
    *, account: OfficialAccount, openid: str, now: datetime | None = None
) -> list[Booking]:
    """Active bookings from today on, soonest first."""
    today = local_today(now)
    return list(
        Booking.objects.filter(
            account=account, openid=openid, status__in=ACTIVE_STATUSES, day__gte=today
        )
        .select_related("window", "slot")
        .order_by("slot__starts_at", "pk")
    )


@dataclass(frozen=True)
class MyBookings:
    """The citizen's bookings as "my bookings" groups them."""

    upcoming: list[Booking]  # active, from today on
    cancelled: list[Booking]  # cancelled (or moved to another time) before a time still to come
    earlier: list[Booking]  # everything else: past times, completed, no-shows


def my_bookings(
    *, account: OfficialAccount, openid: str, now: datetime | None = None, limit: int = 50
) -> MyBookings:
    now = now or timezone.now()
    upcoming = upcoming_bookings(account=account, openid=openid, now=now)
    shown = {b.pk for b in upcoming}
    cancelled: list[Booking] = []
    earlier: list[Booking] = []
    for booking in bookings_of_citizen(account=account, openid=openid)[:limit]:
        if booking.pk in shown:
            continue
        if booking.status == BookingStatus.CANCELLED and booking.slot.starts_at > now:
            cancelled.append(booking)
        else:
            earlier.append(booking)
    cancelled.sort(key=lambda b: (b.slot.starts_at, b.pk))
    return MyBookings(upcoming, cancelled, earlier)


def active_booking_on(
    *, window: Window, day: date, openid: str, excluding: Booking | None = None
) -> Booking | None:
    """The citizen's active booking at this window that day (one at most), if any."""
    found = Booking.objects.select_related("window", "slot").filter(
        window=window, day=day, openid=openid, status__in=ACTIVE_STATUSES
    )
    if excluding is not None:
        found = found.exclude(pk=excluding.pk)
    return found.first()


def rescheduled_to(booking: Booking) -> Booking | None:
    """The booking that replaced this one when the citizen moved it."""
    if not booking.is_rescheduled:
        return None
    return Booking.objects.filter(rescheduled_from=booking, openid=booking.openid).first()


def booking_for_citizen(*, account: OfficialAccount, openid: str, code: str) -> Booking:
    """The citizen's own booking by its number; 404 for an unknown one and for someone else's."""
    booking = (
        Booking.objects.select_related("window", "slot", "account")
        .filter(account=account, openid=openid, code=str(code or "").upper()[:12])
        .first()
    )
    if booking is None:
        raise Http404("No such booking.")
    return booking


@dataclass(frozen=True)
class BookingState:
    """What the citizen may do with a booking now."""

    may_change: bool
    may_check_in: bool
    checkin_opens: datetime
    checkin_closes: datetime
    cutoff: datetime


def state_of(booking: Booking, *, now: datetime | None = None) -> BookingState:
    now = now or timezone.now()
    opens, closes = checkin_span(booking.slot, booking.window)
    cutoff = cutoff_of(booking.slot, booking.window)
    booked = booking.status == BookingStatus.BOOKED
    return BookingState(
        may_change=booked and now < cutoff,
        may_check_in=booked and opens <= now <= closes,
        checkin_opens=opens,
        checkin_closes=closes,
        cutoff=cutoff,
    )


# --- the office ------------------------------------------------------------------------------------
def windows_of(*, account: OfficialAccount) -> QuerySet[Window]:
    return Window.objects.filter(account=account).select_related("guide").order_by("name", "pk")


def access_window_for_staff(*, account: OfficialAccount, window_id: Any) -> Window:
    """A window of this account (404 for another account's or a malformed id)."""
    try:
        pk = int(window_id)
    except (TypeError, ValueError):
        raise Http404("No such window.") from None
    window = Window.objects.filter(account=account, pk=pk).first()
    if window is None:
        raise Http404("No such window.")
    return window


def access_booking_for_staff(*, window: Window, booking_id: Any) -> Booking:
    """A booking of this window (404 otherwise)."""
    try:
        pk = int(booking_id)
    except (TypeError, ValueError):
        raise Http404("No such booking.") from None
    booking = (
        Booking.objects.select_related("window", "slot", "account", "binding")
        .filter(window=window, pk=pk)
        .first()
    )
    if booking is None:
        raise Http404("No such booking.")
    return booking


@dataclass(frozen=True)
class QueueSlot:
    slot: Slot
    bookings: list[Booking]


def queue_of(*, window: Window, day: date) -> list[QueueSlot]:
    """The day's bookings by slot (cancelled ones left out), with their bindings for the masked
    name and ID number."""
    bookings = list(
        Booking.objects.filter(window=window, day=day)
        .exclude(status=BookingStatus.CANCELLED)
        .select_related("binding", "slot")
        .order_by("slot__starts_at", "queue_number", "pk")
    )
    by_slot: dict[int, list[Booking]] = {}
    for booking in bookings:
        by_slot.setdefault(booking.slot_id, []).append(booking)
    slots = Slot.objects.filter(window=window, day=day).order_by("starts_at")
    return [QueueSlot(slot, by_slot.get(slot.pk, [])) for slot in slots]


def now_serving(*, window: Window, day: date) -> Booking | None:
    """The booking called last on that day."""
    return (
        Booking.objects.filter(window=window, day=day, called_at__isnull=False)
        .order_by("-called_at", "-queue_number")
        .first()
    )


def waiting_count(*, window: Window, day: date) -> int:
    return Booking.objects.filter(
        window=window, day=day, status=BookingStatus.CHECKED_IN, called_at__isnull=True
    ).count()


def window_day(*, window: Window, day: date) -> WindowDay | None:
    return WindowDay.objects.filter(window=window, day=day).first()


def closed_days(*, window: Window, since: date) -> QuerySet[WindowDay]:
    return WindowDay.objects.filter(window=window, day__gte=since, is_closed=True).order_by("day")
