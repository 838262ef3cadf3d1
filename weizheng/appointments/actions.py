"""Writes of the appointments app: windows and their opening hours, slots written on demand,
booking, cancelling, rescheduling, check-in with a queue number, the office's queue (call,
complete, no-show), closing a day, reminders and the no-shows of past days.

One transaction per action, with its audit row and the citizen's notification (delivered after
commit, never if the transaction rolls back). Capacity, one booking per day and queue numbers
are held by the database (conditional UPDATEs and unique constraints), not by reads beforehand,
so they hold with any number of processes on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from weizheng.core.actions import do_audit
from weizheng.core.errors import AppError
from weizheng.core.workdays import TIMEZONE, current_calendar
from weizheng.wechat.models import OfficialAccount

from . import links
from .models import (
    ACTIVE_STATUSES,
    CANCELLED_BY_CITIZEN,
    RESCHEDULED,
    Booking,
    BookingStatus,
    OpeningPeriod,
    Slot,
    Window,
    WindowDay,
    new_booking_code,
)

WEEKDAY_WORDS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


# --- time -------------------------------------------------------------------------------------
def local_today(now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(TIMEZONE).date()


def slot_words(slot: Slot) -> str:
    """12月1日（周二）09:00–09:30, in Beijing time: the notifications' way of saying a slot."""
    starts = slot.starts_at.astimezone(TIMEZONE)
    ends = slot.ends_at.astimezone(TIMEZONE)
    return (
        f"{starts.month}月{starts.day}日（{WEEKDAY_WORDS[starts.weekday()]}）"
        f"{starts:%H:%M}–{ends:%H:%M}"
    )


def cutoff_of(slot: Slot, window: Window) -> datetime:
    """The last moment to book, cancel or reschedule this slot."""
    return slot.starts_at - timedelta(minutes=window.cutoff_minutes)


def checkin_span(slot: Slot, window: Window) -> tuple[datetime, datetime]:
    """When the citizen may take a queue number themself (the clerk may, all day)."""
    return (
        slot.starts_at - timedelta(minutes=window.checkin_before_minutes),
        slot.starts_at + timedelta(minutes=window.checkin_after_minutes),
    )


def offered_days(window: Window, *, now: datetime | None = None) -> list[date]:
    """The next `days_ahead` working days, today included when it is one."""
    calendar = current_calendar()
    day = local_today(now)
    days: list[date] = []
    for _step in range(400):
        if len(days) >= window.days_ahead:
            break
        if calendar.is_workday(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def _periods_for(window: Window, day: date) -> list[OpeningPeriod]:
    periods = list(window.periods.all())
    own = [p for p in periods if p.weekday == day.weekday()]
    if own or day.weekday() < 5:
        return own
    # A make-up working day (调休上班) on a weekend without hours of its own: Monday's hours.
    return [p for p in periods if p.weekday == 0]


def template_starts(window: Window, day: date) -> list[tuple[datetime, datetime]]:
    """(start, end) of every slot the window's opening hours give on `day`."""
    length = timedelta(minutes=window.slot_minutes)
    spans: list[tuple[datetime, datetime]] = []
    for period in _periods_for(window, day):
        start = datetime.combine(day, period.starts, tzinfo=TIMEZONE)
        end = datetime.combine(day, period.ends, tzinfo=TIMEZONE)
        while start + length <= end:
            spans.append((start, start + length))
            start += length
    return sorted(set(spans))


# --- slots ------------------------------------------------------------------------------------
def do_prepare_day(*, window: Window, day: date) -> WindowDay | None:
    """Write the day's slots from the opening hours, once (safe to race: the slots' unique
    constraint and the conditional update of `slots_created`). None on a day that is not a
    working day."""
    if not current_calendar().is_workday(day):
        return None
    window_day, _created = WindowDay.objects.get_or_create(window=window, day=day)
    if window_day.slots_created or window_day.is_closed:
        return window_day
    with transaction.atomic():
        Slot.objects.bulk_create(
            [
                Slot(window=window, day=day, starts_at=s, ends_at=e, capacity=window.capacity)
                for s, e in template_starts(window, day)
            ],
            ignore_conflicts=True,
        )
        WindowDay.objects.filter(pk=window_day.pk).update(slots_created=True)
    window_day.slots_created = True
    return window_day


def _resync_future_days(window: Window, *, now: datetime) -> None:
    """After the hours or capacity changed: days already written from today on follow the new
    template. Slots the hours no longer include are closed (their bookings stay valid)."""
    today = local_today(now)
    for window_day in WindowDay.objects.filter(
        window=window, day__gte=today, slots_created=True, is_closed=False
    ):
        wanted = dict(template_starts(window, window_day.day))
        existing = {s.starts_at: s for s in Slot.objects.filter(window=window, day=window_day.day)}
        for starts_at, slot in existing.items():
            if starts_at in wanted:
                Slot.objects.filter(pk=slot.pk).update(
                    is_open=True, capacity=window.capacity, ends_at=wanted[starts_at]
                )
            else:
                Slot.objects.filter(pk=slot.pk).update(is_open=False)
        Slot.objects.bulk_create(
            [
                Slot(
                    window=window,
                    day=window_day.day,
                    starts_at=s,
                    ends_at=e,
                    capacity=window.capacity,
                )
                for s, e in wanted.items()
                if s not in existing
            ],
            ignore_conflicts=True,
        )


# --- windows (eservices.manage) -----------------------------------------------------------------
WINDOW_FIELDS = (
    "name",
    "place",
    "notes",
    "slot_minutes",
    "capacity",
    "days_ahead",
    "cutoff_minutes",
    "checkin_before_minutes",
    "checkin_after_minutes",
    "no_show_limit",
    "no_show_days",
    "block_days",
    "is_active",
)
LIMITS = {
    "slot_minutes": (5, 240),
    "capacity": (1, 200),
    "days_ahead": (1, 60),
    "cutoff_minutes": (0, 7 * 24 * 60),
    "checkin_before_minutes": (0, 240),
    "checkin_after_minutes": (0, 240),
    "no_show_limit": (0, 50),
    "no_show_days": (1, 365),
    "block_days": (1, 365),
}


@dataclass(frozen=True)
class PeriodInput:
    weekday: int
    starts: time
    ends: time


def check_periods(periods: list[PeriodInput]) -> list[PeriodInput]:
    """Opening periods in order, none backwards or overlapping another of the same weekday."""
    cleaned = sorted(periods, key=lambda p: (p.weekday, p.starts))
    for period in cleaned:
        if not 0 <= period.weekday <= 6:
            raise AppError("bad_weekday", _("Choose a weekday."), field="periods")
        if period.starts >= period.ends:
            raise AppError(
                "bad_period",
                _("An opening period must end after it starts (%(starts)s–%(ends)s).")
                % {"starts": f"{period.starts:%H:%M}", "ends": f"{period.ends:%H:%M}"},
                field="periods",
            )
    for before, after in zip(cleaned, cleaned[1:], strict=False):
        if before.weekday == after.weekday and after.starts < before.ends:
            raise AppError(
                "overlapping_periods",
                _("Two opening periods of the same day overlap (%(a)s and %(b)s).")
                % {
                    "a": f"{before.starts:%H:%M}–{before.ends:%H:%M}",
                    "b": f"{after.starts:%H:%M}–{after.ends:%H:%M}",
                },
                field="periods",
            )
    return cleaned


def check_save_window(
    *,
    account: OfficialAccount,
    data: dict[str, Any],
    periods: list[PeriodInput],
    guide: Any = None,
    actor: Any,
    window: Window | None = None,
) -> Window:
    """Create or change a window and its opening hours; days already offered follow at once."""
    if guide is not None and guide.account_id != account.pk:
        raise AppError("bad_guide", _("Choose a service guide of this account."), field="guide")
    values = {name: data[name] for name in WINDOW_FIELDS if name in data}
    values["name"] = " ".join(str(values.get("name", "")).split())
    values["place"] = " ".join(str(values.get("place", "")).split())
    if not values["name"]:
        raise AppError("name_missing", _("Give the window a name."), field="name")
    if not values["place"]:
        raise AppError("place_missing", _("Say where the window is."), field="place")
    for name, (low, high) in LIMITS.items():
        if name in values and not low <= int(values[name]) <= high:
            raise AppError(
                "out_of_range",
                _("%(field)s must be between %(low)d and %(high)d.")
                % {"field": Window._meta.get_field(name).verbose_name, "low": low, "high": high},
                field=name,
            )
    periods = check_periods(periods)
    now = timezone.now()
    try:
        with transaction.atomic():
            created = window is None
            if window is None:
                window = Window(account=account)
            for name, value in values.items():
                setattr(window, name, value)
            window.guide = guide
            window.save()
            window.periods.all().delete()
            OpeningPeriod.objects.bulk_create(
                [
                    OpeningPeriod(window=window, weekday=p.weekday, starts=p.starts, ends=p.ends)
                    for p in periods
                ]
            )
            _resync_future_days(window, now=now)
            do_audit(
                action="appointments.window.create" if created else "appointments.window.change",
                actor=actor,
                account=account,
                target=window,
                detail={
                    **{k: v for k, v in values.items() if k != "notes"},
                    "guide": guide.pk if guide is not None else None,
                    "periods": [f"{p.weekday} {p.starts:%H:%M}-{p.ends:%H:%M}" for p in periods],
                },
            )
    except IntegrityError as exc:
        raise AppError(
            "name_taken", _("This account already has a window with this name."), field="name"
        ) from exc
    return window


# --- the no-show rule ---------------------------------------------------------------------------
def blocked_until(
    *, account: OfficialAccount, window: Window, openid: str, person_index: str, now: datetime
) -> datetime | None:
    """When the citizen may book this window again, or None if they may now: `no_show_limit`
    no-shows on the account's windows within `no_show_days` days block booking for `block_days`
    days after the latest of them. Counted by person (the ID number's blind index) and openid."""
    if window.no_show_limit <= 0:
        return None
    who = Q(openid=openid)
    if person_index:
        who |= Q(person_index=person_index)
    since = now - timedelta(days=window.no_show_days)
    missed = list(
        Booking.objects.filter(
            who, account=account, status=BookingStatus.NO_SHOW, slot__starts_at__gte=since
        )
        .order_by("-slot__starts_at")
        .values_list("slot__starts_at", flat=True)[: window.no_show_limit]
    )
    if len(missed) < window.no_show_limit:
        return None
    until = missed[0] + timedelta(days=window.block_days)
    return until if until > now else None


def rule_words(window: Window) -> str:
    if window.no_show_limit <= 0:
        return "请合理安排时间，如不能前往请提前取消预约。"
    return (
        f"{window.no_show_days} 天内爽约 {window.no_show_limit} 次，"
        f"将暂停预约 {window.block_days} 天。"
    )


# --- booking (the citizen) ----------------------------------------------------------------------
def _variables(booking: Booking, **extra: str) -> dict[str, str]:
    window, slot = booking.window, booking.slot
    return {
        "window": window.name,
        "time": slot_words(slot),
        "place": window.place,
        "code": booking.code,
        "link": links.absolute(links.booking_path(booking.account.slug, booking.code)),
        **extra,
    }


def _notify(booking: Booking, kind: str, key: str, **extra: str) -> None:
    from weizheng.notifications.actions import notify

    notify(
        account=booking.account,
        openid=booking.openid,
        kind=f"appointments.{kind}",
        variables=_variables(booking, **extra),
        dedupe_key=f"appointments.booking:{booking.pk}:{key}",
    )


def _full() -> AppError:
    return AppError(
        "slot_full",
        _("This time is fully booked. Please choose another time."),
        status=409,
    )


def _bookable_slot(
    *, account: OfficialAccount, slot_id: Any, openid: str, binding: Any, now: datetime
) -> Slot:
    """The slot if the citizen may book it now (every refusal with its reason)."""
    try:
        pk = int(slot_id)
    except (TypeError, ValueError):
        raise AppError("no_slot", _("Choose a time from the list."), status=404) from None
    slot = (
        Slot.objects.select_related("window")
        .filter(pk=pk, window__account=account, window__is_active=True)
        .first()
    )
    if slot is None:
        raise AppError("no_slot", _("Choose a time from the list."), status=404)
    window = slot.window
    if slot.day not in offered_days(window, now=now):
        raise offered_day_refusal(window=window, day=slot.day, now=now)
    if WindowDay.objects.filter(window=window, day=slot.day, is_closed=True).exists():
        raise AppError("day_closed", _("The window is closed that day. Please choose another day."))
    if not slot.is_open:
        raise AppError("slot_closed", _("This time is no longer offered. Please choose another."))
    if now >= cutoff_of(slot, window):
        raise AppError(
            "past_cutoff",
            _("Bookings for this time closed %(minutes)d minutes before it starts.")
            % {"minutes": window.cutoff_minutes},
        )
    until = blocked_until(
        account=account,
        window=window,
        openid=openid,
        person_index=getattr(binding, "id_number_index", "") or "",
        now=now,
    )
    if until is not None:
        raise AppError(
            "blocked",
            _(
                "You missed %(count)d appointments within %(days)d days, so you cannot book "
                "until %(until)s."
            )
            % {
                "count": window.no_show_limit,
                "days": window.no_show_days,
                "until": f"{until.astimezone(TIMEZONE):%Y-%m-%d %H:%M}",
            },
            status=403,
        )
    if slot.booked >= slot.capacity:
        raise _full()
    return slot


def offered_day_refusal(*, window: Window, day: date, now: datetime | None = None) -> AppError:
    """Why `day` is not offered for booking at `window`."""
    if not current_calendar().is_workday(day):
        return AppError(
            "not_workday",
            _("%(day)s is not a working day: the window is closed.") % {"day": day.isoformat()},
        )
    if day < local_today(now):
        return AppError("past_day", _("This day has passed."))
    return AppError(
        "too_far",
        _("Bookings open %(days)d working days ahead; this day cannot be booked yet.")
        % {"days": window.days_ahead},
    )


def changeable_refusal(booking: Booking, *, now: datetime | None = None) -> AppError:
    """Why the citizen can no longer cancel or move this booking."""
    try:
        _check_changeable(booking, now=now or timezone.now())
    except AppError as refusal:
        return refusal
    return AppError("not_changeable", _("This booking can no longer be changed."), status=409)


def _already_booked() -> AppError:
    return AppError(
        "already_booked",
        _(
            "You already have a booking at this window that day. Cancel or reschedule it "
            "instead of booking again."
        ),
        status=409,
    )


def _take_place(slot: Slot) -> None:
    """Raise the slot's counter if a place is left; the WHERE clause is the capacity check."""
    taken = Slot.objects.filter(pk=slot.pk, is_open=True, booked__lt=F("capacity")).update(
        booked=F("booked") + 1
    )
    if not taken:
        raise _full()


def _release_place(booking: Booking) -> None:
    Slot.objects.filter(pk=booking.slot_id, booked__gt=0).update(booked=F("booked") - 1)


def _require_binding(account: OfficialAccount, openid: str, binding: Any) -> Any:
    from weizheng.identity.selectors import active_binding

    current = active_binding(account=account, openid=openid)
    if current is None or (binding is not None and current.pk != binding.pk):
        raise AppError(
            "binding_required",
            _("Bind your real name to this account before booking."),
            status=403,
        )
    return current


def _new_booking(slot: Slot, *, account: OfficialAccount, openid: str, binding: Any) -> Booking:
    for _attempt in range(5):
        code = new_booking_code()
        if not Booking.objects.filter(code=code).exists():
            break
    return Booking.objects.create(
        account=account,
        window=slot.window,
        slot=slot,
        day=slot.day,
        code=code,
        openid=openid,
        binding=binding,
        person_index=binding.id_number_index or "",
    )


def check_book(
    *,
    account: OfficialAccount,
    openid: str,
    slot_id: Any,
    binding: Any = None,
    ip_address: str | None = None,
) -> Booking:
    """A bound citizen books one place in a slot: refused when the slot is full, past its
    cut-off, not on an offered working day, when the citizen is blocked for no-shows or already
    holds a booking at this window that day. Notified in the same transaction."""
    binding = _require_binding(account, openid, binding)
    now = timezone.now()
    slot = _bookable_slot(account=account, slot_id=slot_id, openid=openid, binding=binding, now=now)
    try:
        with transaction.atomic():
            _take_place(slot)
            booking = _new_booking(slot, account=account, openid=openid, binding=binding)
            do_audit(
                action="appointments.booking.book",
                actor_label="citizen",
                account=account,
                target=booking,
                detail={"window": slot.window_id, "slot": slot.pk, "code": booking.code},
                ip_address=ip_address,
            )
            _notify(booking, "booked", "booked")
    except IntegrityError as exc:  # the partial unique constraint: one active booking a day
        raise _already_booked() from exc
    return booking


def _check_changeable(booking: Booking, *, now: datetime) -> None:
    if booking.status != BookingStatus.BOOKED:
        raise AppError(
            "not_changeable",
            _("This booking is “%(status)s” and can no longer be changed.")
            % {"status": BookingStatus(booking.status).label},
            status=409,
        )
    if now >= cutoff_of(booking.slot, booking.window):
        raise AppError(
            "past_cutoff",
            _(
                "Bookings can be cancelled or changed until %(minutes)d minutes before the "
                "time; please contact the office."
            )
            % {"minutes": booking.window.cutoff_minutes},
        )


def _own(booking: Booking, openid: str) -> None:
    if booking.openid != openid:  # the same answer as an unknown booking
        raise AppError("not_found", _("No such booking."), status=404)


def _mark_cancelled(
    booking: Booking, *, now: datetime, actor: Any = None, reason: str = ""
) -> None:
    """Conditional on the status read: a booking is cancelled (and its place freed) once."""
    changed = Booking.objects.filter(pk=booking.pk, status=booking.status).update(
        status=BookingStatus.CANCELLED,
        cancelled_at=now,
        cancelled_by=actor if getattr(actor, "is_authenticated", False) else None,
        cancel_reason=reason[:200],
        updated_at=now,
    )
    if not changed:
        raise AppError(
            "booking_moved", _("This booking changed meanwhile; reload the page."), status=409
        )
    _release_place(booking)
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now
    booking.cancel_reason = reason[:200]


def check_cancel(*, booking: Booking, openid: str, ip_address: str | None = None) -> Booking:
    """The citizen cancels their booking until the cut-off; the place is freed."""
    _own(booking, openid)
    now = timezone.now()
    _check_changeable(booking, now=now)
    with transaction.atomic():
        _mark_cancelled(booking, now=now, reason=CANCELLED_BY_CITIZEN)
        do_audit(
            action="appointments.booking.cancel",
            actor_label="citizen",
            account=booking.account,
            target=booking,
            detail={"code": booking.code, "slot": booking.slot_id},
            ip_address=ip_address,
        )
        _notify(booking, "cancelled", "cancelled")
    return booking


def do_cancel_bookings_of_binding(
    *,
    binding: Any,
    reason: str = "",
    actor: Any = None,
    ip_address: str | None = None,
) -> int:
    """A real-name binding ends (解除绑定): cancel the bookings made under it that are still
    active and whose time has not ended, free their places and tell the citizen, with `reason`
    (what they read after "因"; by default that the binding was removed). The cut-off does not
    apply: booking needs a binding, so these bookings cannot stand. Past bookings stay as they
    are for the history and the no-show rule. Returns how many were cancelled; safe to call
    twice (the second call finds nothing active)."""
    reason = " ".join((reason or "").split())[:100] or "您已解除实名绑定"
    by_staff = bool(getattr(actor, "is_authenticated", False))
    now = timezone.now()
    cancelled = 0
    with transaction.atomic():
        for booking in (
            Booking.objects.select_related("slot", "window", "account")
            .filter(binding=binding, status__in=ACTIVE_STATUSES, slot__ends_at__gt=now)
            .order_by("pk")
        ):
            _mark_cancelled(booking, now=now, actor=actor, reason=reason)
            do_audit(
                action="appointments.booking.cancel_unbound",
                actor=actor,
                actor_label="" if by_staff else "citizen",
                account=booking.account,
                target=booking,
                detail={"code": booking.code, "slot": booking.slot_id, "binding": binding.pk},
                ip_address=ip_address,
            )
            _notify(booking, "cancelled_unbound", "cancelled_unbound", reason=reason)
            cancelled += 1
    return cancelled


def check_reschedule(
    *, booking: Booking, openid: str, slot_id: Any, ip_address: str | None = None
) -> Booking:
    """Move a booking to another slot of the same window, in one transaction: the old place is
    released only if the new one is taken (any refusal leaves the old booking as it was)."""
    _own(booking, openid)
    now = timezone.now()
    _check_changeable(booking, now=now)
    account = booking.account
    binding = _require_binding(account, openid, None)
    new_slot = _bookable_slot(
        account=account, slot_id=slot_id, openid=openid, binding=binding, now=now
    )
    if new_slot.window_id != booking.window_id:
        raise AppError("other_window", _("Choose a time at the same window."), status=400)
    if new_slot.pk == booking.slot_id:
        raise AppError("same_slot", _("This is already the time of your booking."), status=400)
    try:
        with transaction.atomic():
            _mark_cancelled(booking, now=now, reason=RESCHEDULED)
            _take_place(new_slot)
            moved = _new_booking(new_slot, account=account, openid=openid, binding=binding)
            moved.rescheduled_from = booking
            moved.save(update_fields=["rescheduled_from"])
            do_audit(
                action="appointments.booking.reschedule",
                actor_label="citizen",
                account=account,
                target=moved,
                detail={"from": booking.code, "to": moved.code, "slot": new_slot.pk},
                ip_address=ip_address,
            )
            _notify(moved, "rescheduled", "rescheduled")
    except IntegrityError as exc:
        raise _already_booked() from exc
    except AppError:
        booking.refresh_from_db()
        raise
    return moved


def _give_number(booking: Booking, *, now: datetime) -> Booking:
    """Check in: the next queue number of the window's day (a counter row raised by UPDATE, so
    numbers are sequential; a unique constraint on (window, day, number) backs it)."""
    window_day, _created = WindowDay.objects.get_or_create(window=booking.window, day=booking.day)
    with transaction.atomic():
        WindowDay.objects.filter(pk=window_day.pk).update(
            last_queue_number=F("last_queue_number") + 1
        )
        number = WindowDay.objects.values_list("last_queue_number", flat=True).get(pk=window_day.pk)
        changed = Booking.objects.filter(pk=booking.pk, status=BookingStatus.BOOKED).update(
            status=BookingStatus.CHECKED_IN, queue_number=number, checked_in_at=now, updated_at=now
        )
        if not changed:
            # Rolls the counter back with it: no number is skipped.
            raise AppError(
                "not_booked", _("This booking is already checked in or closed."), status=409
            )
    booking.refresh_from_db()
    return booking


def check_citizen_check_in(
    *, booking: Booking, openid: str, ip_address: str | None = None
) -> Booking:
    """取号: the citizen takes their queue number themself, from `checkin_before_minutes` before
    the slot to `checkin_after_minutes` after its start."""
    _own(booking, openid)
    now = timezone.now()
    if booking.status != BookingStatus.BOOKED:
        raise AppError("not_booked", _("This booking is already checked in or closed."), status=409)
    opens, closes = checkin_span(booking.slot, booking.window)
    if now < opens:
        raise AppError(
            "too_early",
            _("You can take your number from %(time)s.")
            % {"time": f"{opens.astimezone(TIMEZONE):%H:%M}"},
        )
    if now > closes:
        raise AppError(
            "too_late",
            _("Online check-in closed at %(time)s. Please ask at the window.")
            % {"time": f"{closes.astimezone(TIMEZONE):%H:%M}"},
        )
    with transaction.atomic():
        booking = _give_number(booking, now=now)
        do_audit(
            action="appointments.booking.check_in",
            actor_label="citizen",
            account=booking.account,
            target=booking,
            detail={"code": booking.code, "queue_number": booking.queue_number},
            ip_address=ip_address,
        )
    return booking


# --- the office's queue (cases.handle) ----------------------------------------------------------
def _staff_day_check(booking: Booking, *, now: datetime) -> None:
    if booking.day != local_today(now):
        raise AppError("not_today", _("This booking is not for today."), status=409)


def check_staff_check_in(*, booking: Booking, actor: Any) -> Booking:
    """The clerk checks a citizen in from the queue page, any time on the booking's day."""
    now = timezone.now()
    _staff_day_check(booking, now=now)
    with transaction.atomic():
        booking = _give_number(booking, now=now)
        do_audit(
            action="appointments.booking.check_in",
            actor=actor,
            account=booking.account,
            target=booking,
            detail={"code": booking.code, "queue_number": booking.queue_number},
        )
    return booking


def do_call_next(*, window: Window, day: date, actor: Any) -> Booking | None:
    """Call the checked-in citizen with the lowest number not yet called (None: nobody waits).
    Claimed by a conditional update, so two clerks pressing at once call two people."""
    now = timezone.now()
    for _attempt in range(5):
        waiting = (
            Booking.objects.filter(
                window=window, day=day, status=BookingStatus.CHECKED_IN, called_at__isnull=True
            )
            .order_by("queue_number")
            .first()
        )
        if waiting is None:
            return None
        with transaction.atomic():
            claimed = Booking.objects.filter(pk=waiting.pk, called_at__isnull=True).update(
                called_at=now, updated_at=now
            )
            if claimed:
                do_audit(
                    action="appointments.booking.call",
                    actor=actor,
                    account=window.account,
                    target=waiting,
                    detail={"code": waiting.code, "queue_number": waiting.queue_number},
                )
                waiting.called_at = now
                return waiting
    return None


def check_finish(*, booking: Booking, outcome: str, actor: Any) -> Booking:
    """The clerk closes a booking: completed (served; checked in first) or no-show (after the
    slot has started; the citizen is notified and the no-show counts towards the rule)."""
    now = timezone.now()
    if outcome == BookingStatus.COMPLETED:
        allowed: tuple[str, ...] = (BookingStatus.CHECKED_IN,)
        if booking.status not in allowed:
            raise AppError(
                "not_checked_in", _("Check the citizen in before completing."), status=409
            )
    elif outcome == BookingStatus.NO_SHOW:
        allowed = ACTIVE_STATUSES
        if booking.status not in allowed:
            raise AppError("closed", _("This booking is already closed."), status=409)
        if now < booking.slot.starts_at:
            raise AppError(
                "too_early_no_show",
                _("A no-show can only be recorded once the time has begun."),
                status=409,
            )
    else:
        raise AppError("bad_outcome", _("Choose completed or no-show."))
    with transaction.atomic():
        changed = Booking.objects.filter(pk=booking.pk, status__in=allowed).update(
            status=outcome, finished_at=now, updated_at=now
        )
        if not changed:
            raise AppError(
                "booking_moved", _("This booking changed meanwhile; reload the page."), status=409
            )
        booking.refresh_from_db()
        do_audit(
            action=f"appointments.booking.{outcome}",
            actor=actor,
            actor_label="" if actor else "system",
            account=booking.account,
            target=booking,
            detail={"code": booking.code, "queue_number": booking.queue_number},
        )
        if outcome == BookingStatus.NO_SHOW:
            _notify(booking, "no_show", "no_show", rule=rule_words(booking.window))
    return booking


def check_close_day(*, window: Window, day: date, reason: str, actor: Any) -> int:
    """Close a window for a day (an emergency, a system outage): nobody can book it any more,
    and every active booking is cancelled, each citizen notified with the reason. Returns how
    many bookings were cancelled."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise AppError(
            "reason_missing", _("Give the reason the citizens will read."), field="reason"
        )
    if len(reason) > 100:
        raise AppError(
            "reason_too_long", _("Keep the reason under 100 characters."), field="reason"
        )
    now = timezone.now()
    if day < local_today(now):
        raise AppError("past_day", _("A past day cannot be closed."), status=409)
    cancelled = 0
    with transaction.atomic():
        window_day, _created = WindowDay.objects.get_or_create(window=window, day=day)
        closed = WindowDay.objects.filter(pk=window_day.pk, is_closed=False).update(
            is_closed=True, closed_reason=reason, closed_at=now, closed_by=actor
        )
        if not closed:
            raise AppError(
                "already_closed", _("The window is already closed that day."), status=409
            )
        Slot.objects.filter(window=window, day=day).update(is_open=False)
        for booking in (
            Booking.objects.select_related("slot", "window", "account")
            .filter(window=window, day=day, status__in=ACTIVE_STATUSES)
            .order_by("pk")
        ):
            _mark_cancelled(booking, now=now, actor=actor, reason=reason)
            _notify(booking, "cancelled_by_office", "cancelled_by_office", reason=reason)
            cancelled += 1
        do_audit(
            action="appointments.day.close",
            actor=actor,
            account=window.account,
            target=window,
            detail={"day": day.isoformat(), "reason": reason, "cancelled": cancelled},
        )
    return cancelled


def do_reopen_day(*, window: Window, day: date, actor: Any) -> bool:
    """Open a closed day again (its slots are offered again; cancelled bookings stay cancelled)."""
    with transaction.atomic():
        reopened = WindowDay.objects.filter(window=window, day=day, is_closed=True).update(
            is_closed=False, closed_reason="", closed_at=None, closed_by=None
        )
        if reopened:
            wanted = {s for s, _e in template_starts(window, day)}
            Slot.objects.filter(window=window, day=day, starts_at__in=wanted).update(is_open=True)
            do_audit(
                action="appointments.day.reopen",
                actor=actor,
                account=window.account,
                target=window,
                detail={"day": day.isoformat()},
            )
    return bool(reopened)


def do_audit_queue_view(
    *,
    account: OfficialAccount,
    window: Window,
    day: date,
    shown: int,
    actor: Any,
    ip_address: str | None,
) -> None:
    """The queue shows citizens (masked names and ID numbers): each view is recorded."""
    do_audit(
        action="appointments.queue.view",
        actor=actor,
        account=account,
        target=window,
        detail={"day": day.isoformat(), "bookings_shown": shown},
        ip_address=ip_address,
    )


# --- periodic work (manage.py appointments_remind) ----------------------------------------------
REMINDER_HOURS = 24


def do_send_due_reminders(*, now: datetime | None = None, limit: int = 500) -> int:
    """Queue the reminder of every booking whose slot starts within the next 24 hours and that
    was made more than 24 hours before it (a booking made later has just been confirmed). Each
    booking is claimed by a conditional update of `reminded_at`, in the transaction that queues
    its notification (whose dedupe key is unique too): a reminder is sent once, however often
    and in however many processes this runs."""
    now = now or timezone.now()
    horizon = now + timedelta(hours=REMINDER_HOURS)
    due = list(
        Booking.objects.filter(
            status=BookingStatus.BOOKED,
            reminded_at__isnull=True,
            slot__starts_at__gt=now,
            slot__starts_at__lte=horizon,
            created_at__lt=F("slot__starts_at") - timedelta(hours=REMINDER_HOURS),
        )
        .order_by("slot__starts_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for pk in due:
        with transaction.atomic():
            claimed = Booking.objects.filter(
                pk=pk, status=BookingStatus.BOOKED, reminded_at__isnull=True
            ).update(reminded_at=now)
            if not claimed:
                continue
            booking = Booking.objects.select_related("window", "slot", "account").get(pk=pk)
            _notify(booking, "reminder", "reminder")
            sent += 1
    return sent


def do_record_past_no_shows(*, now: datetime | None = None, limit: int = 500) -> int:
    """Bookings of past days never checked in become no-shows (each notified once, by the
    conditional update inside check_finish). The office may have recorded them already."""
    now = now or timezone.now()
    today = local_today(now)
    stale = list(
        Booking.objects.select_related("window", "slot", "account")
        .filter(status=BookingStatus.BOOKED, day__lt=today)
        .order_by("pk")[:limit]
    )
    recorded = 0
    for booking in stale:
        try:
            check_finish(booking=booking, outcome=BookingStatus.NO_SHOW, actor=None)
        except AppError:
            continue
        recorded += 1
    return recorded
