"""Appointments (预约): service windows, their opening hours as slot templates, concrete slots on
working days, and citizens' bookings.

Capacity is enforced in the database: a slot carries a `booked` counter that only a conditional
UPDATE (`booked < capacity`) raises, so two citizens racing for the last place cannot both get it,
whatever the number of processes. The one-active-booking-per-day rule and queue numbers are
unique constraints. Slots are written on demand, the first time a day of a window is offered
(`WindowDay.slots_created`), from the window's templates of that weekday.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from weizheng.wechat.models import OfficialAccount

WEEKDAYS = (
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
)


class Window(models.Model):
    """A service window (服务窗口) of an account that citizens book: where, which service, how
    long a slot is and how many people one slot takes, how far ahead and until when one may
    book, and the no-show rule (no_show_limit no-shows within no_show_days days → no booking on
    this account's windows for block_days days; a limit of 0 turns the rule off)."""

    account = models.ForeignKey(
        OfficialAccount,
        verbose_name=_("official account"),
        on_delete=models.CASCADE,
        related_name="appointment_windows",
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("e.g. 驾驶证业务 1 号窗口."))
    place = models.CharField(_("place"), max_length=300)
    guide = models.ForeignKey(
        "eservices.ServiceGuide",
        verbose_name=_("service guide"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointment_windows",
    )
    notes = models.TextField(
        _("what to bring"), blank=True, help_text=_("Shown to the citizen when booking.")
    )
    slot_minutes = models.PositiveSmallIntegerField(_("slot length (minutes)"), default=30)
    capacity = models.PositiveSmallIntegerField(_("places per slot"), default=4)
    days_ahead = models.PositiveSmallIntegerField(
        _("working days offered"),
        default=7,
        help_text=_("How many working days, from today, citizens can book."),
    )
    cutoff_minutes = models.PositiveIntegerField(
        _("booking cut-off (minutes before the slot)"),
        default=60,
        help_text=_("Booking, cancelling and rescheduling close this long before the slot."),
    )
    checkin_before_minutes = models.PositiveSmallIntegerField(
        _("check-in opens (minutes before the slot)"), default=30
    )
    checkin_after_minutes = models.PositiveSmallIntegerField(
        _("check-in closes (minutes after the slot starts)"), default=15
    )
    no_show_limit = models.PositiveSmallIntegerField(
        _("no-shows before a block"), default=3, help_text=_("0 turns the rule off.")
    )
    no_show_days = models.PositiveSmallIntegerField(_("no-shows counted over (days)"), default=90)
    block_days = models.PositiveSmallIntegerField(_("block length (days)"), default=30)
    is_active = models.BooleanField(_("open for booking"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("service window")
        verbose_name_plural = _("service windows")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "name"],
                name="appointments_window_name_unique",
                violation_error_message=_("This account already has a window with this name."),
            ),
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=5) & Q(slot_minutes__lte=240),
                name="appointments_window_slot_minutes",
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1) & Q(capacity__lte=200),
                name="appointments_window_capacity",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OpeningPeriod(models.Model):
    """A slot template: on this weekday the window is open from `starts` to `ends`, cut into
    slots of the window's length (a remainder shorter than a slot is not offered). A make-up
    working day (调休上班) on a weekend follows its own weekday's periods when it has some, else
    Monday's."""

    window = models.ForeignKey(
        Window, verbose_name=_("window"), on_delete=models.CASCADE, related_name="periods"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=WEEKDAYS)
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("opening period")
        verbose_name_plural = _("opening periods")
        ordering = ["weekday", "starts", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts__lt=models.F("ends")), name="appointments_period_order"
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0) & Q(weekday__lte=6), name="appointments_period_weekday"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"


class WindowDay(models.Model):
    """One day of one window: whether its slots were written, whether the office closed it
    (e.g. an emergency), and the last queue number given that day."""

    window = models.ForeignKey(Window, on_delete=models.CASCADE, related_name="days")
    day = models.DateField(_("day"))
    slots_created = models.BooleanField(default=False)
    is_closed = models.BooleanField(_("closed"), default=False)
    closed_reason = models.CharField(_("reason for closing"), max_length=200, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    last_queue_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["window", "day"], name="appointments_window_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.window_id} {self.day}"


class Slot(models.Model):
    """A concrete time slot. `booked` counts the places taken (every booking not cancelled);
    it is raised only by a conditional UPDATE that checks `booked < capacity`."""

    window = models.ForeignKey(Window, on_delete=models.CASCADE, related_name="slots")
    day = models.DateField(_("day"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveSmallIntegerField(_("places"))
    booked = models.PositiveSmallIntegerField(_("places taken"), default=0)
    # False when the office closed the day or the opening hours no longer include the slot:
    # bookings already made stay; nobody can book it any more.
    is_open = models.BooleanField(default=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["window", "starts_at"], name="appointments_slot_unique_start"
            ),
            models.CheckConstraint(condition=Q(booked__gte=0), name="appointments_slot_booked"),
        ]
        indexes = [models.Index(fields=["window", "day"], name="appointments_slot_day")]

    def __str__(self) -> str:
        return f"{self.window_id} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def places_left(self) -> int:
        return max(0, self.capacity - self.booked) if self.is_open else 0


class BookingStatus(models.TextChoices):
    BOOKED = "booked", pgettext_lazy("appointment", "Booked")
    CHECKED_IN = "checked_in", pgettext_lazy("appointment", "Checked in")
    COMPLETED = "completed", pgettext_lazy("appointment", "Completed")
    CANCELLED = "cancelled", pgettext_lazy("appointment", "Cancelled")
    NO_SHOW = "no_show", pgettext_lazy("appointment", "No-show")


ACTIVE_STATUSES = (BookingStatus.BOOKED, BookingStatus.CHECKED_IN)

# Booking.cancel_reason of the citizen's own cancellations; any other reason is the office's (or
# the end of a binding's) and is shown to the citizen.
CANCELLED_BY_CITIZEN = "citizen"
RESCHEDULED = "rescheduled"


def new_booking_code() -> str:
    """A short reference the citizen can read out at the window (no 0/O or 1/I)."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(8))


class Booking(models.Model):
    """A citizen's booking of one place in one slot. The citizen is the openid (with the real-name
    binding it was made under); `person_index` is the binding's ID-number blind index, so the
    no-show rule follows the person rather than the openid."""

    account = models.ForeignKey(
        OfficialAccount, on_delete=models.CASCADE, related_name="appointment_bookings"
    )
    window = models.ForeignKey(Window, on_delete=models.CASCADE, related_name="bookings")
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="bookings")
    day = models.DateField(_("day"))
    code = models.CharField(_("booking number"), max_length=12, unique=True)
    openid = models.CharField(_("OpenID"), max_length=64)
    binding = models.ForeignKey(
        "identity.Binding", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    person_index = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=12, choices=BookingStatus.choices, default=BookingStatus.BOOKED
    )
    queue_number = models.PositiveIntegerField(_("queue number"), null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    called_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancel_reason = models.CharField(_("reason"), max_length=200, blank=True)
    rescheduled_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="rescheduled_to"
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("booked"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["slot__starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["window", "day", "openid"],
                condition=Q(status__in=["booked", "checked_in"]),
                name="appointments_one_active_booking_per_day",
            ),
            models.UniqueConstraint(
                fields=["window", "day", "queue_number"],
                condition=Q(queue_number__isnull=False),
                name="appointments_queue_number_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "openid", "status"], name="appointments_mine"),
            models.Index(fields=["status", "reminded_at"], name="appointments_reminders"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_rescheduled(self) -> bool:
        """Cancelled because the citizen moved it to another time (a new booking, with its own
        number, took its place: see actions.check_reschedule)."""
        return self.status == BookingStatus.CANCELLED and self.cancel_reason == RESCHEDULED

    @property
    def shown_status(self) -> str:
        """The status a page shows: "rescheduled" stands apart from other cancellations."""
        return "rescheduled" if self.is_rescheduled else self.status

    @property
    def shown_reason(self) -> str:
        """Why it was cancelled, when someone other than the citizen cancelled it."""
        if self.status != BookingStatus.CANCELLED:
            return ""
        if self.cancel_reason in (CANCELLED_BY_CITIZEN, RESCHEDULED):
            return ""
        return self.cancel_reason

    @property
    def shown_status_label(self) -> str:
        if self.is_rescheduled:
            return str(pgettext_lazy("appointment", "Rescheduled"))
        return self.get_status_display()
