"""Citizen H5 pages of 预约: pick a window → a day (the next working days, full ones greyed) →
a time with places left → confirm; my bookings; a booking's page (cancel, reschedule, 取号).

A real-name binding is required on every page. A booking is looked up with the citizen's own
openid: someone else's booking number answers exactly like an unknown one (404). Every refusal
is shown on the page with its reason and the HTTP status of the AppError.
"""

from __future__ import annotations

from datetime import date

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from weizheng.core.errors import AppError
from weizheng.core.http import client_ip
from weizheng.core.masking import mask_id_number, mask_name
from weizheng.identity.decorators import binding_required
from weizheng.wechat.oauth import citizen_page

from . import actions, links, selectors
from .models import BookingStatus, Slot


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"  # personal data: never from a shared cache
    return response


def _page(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    binding = getattr(request, "binding", None)
    context = {
        "account": request.account,  # type: ignore[attr-defined]
        "subject": f"{mask_name(binding.name)}（{mask_id_number(binding.id_number)}）"
        if binding is not None
        else "",
        **context,
    }
    return _no_store(render(request, template, context, status=status))


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Http404("No such day.") from None


def _rescheduling(request: HttpRequest):
    """The booking being moved (?reschedule=<code>), the citizen's own, or None."""
    code = request.GET.get("reschedule") or request.POST.get("reschedule") or ""
    if not code:
        return None
    return selectors.booking_for_citizen(
        account=request.account,  # type: ignore[attr-defined]
        openid=request.citizen_openid,  # type: ignore[attr-defined]
        code=code,
    )


@citizen_page
@binding_required
def index(request: HttpRequest) -> HttpResponse:
    """预约: the windows one can book, and the citizen's upcoming bookings."""
    account = request.account  # type: ignore[attr-defined]
    return _page(
        request,
        "appointments/h5/index.html",
        {
            "windows": selectors.offered_windows(account=account),
            "upcoming": selectors.upcoming_bookings(
                account=account,
                openid=request.citizen_openid,  # type: ignore[attr-defined]
            ),
        },
    )


@citizen_page
@binding_required
def window(request: HttpRequest, window_id: int) -> HttpResponse:
    """The next working days of a window, with the places left on each."""
    account = request.account  # type: ignore[attr-defined]
    chosen = selectors.access_window_for_citizen(account=account, window_id=window_id)
    for day in actions.offered_days(chosen):
        actions.do_prepare_day(window=chosen, day=day)
    return _page(
        request,
        "appointments/h5/window.html",
        {
            "window": chosen,
            "days": selectors.day_offers(window=chosen),
            "moving": _rescheduling(request),
        },
    )


@citizen_page
@binding_required
def day(request: HttpRequest, window_id: int, day: str) -> HttpResponse:
    """The times of one day with the places left."""
    account = request.account  # type: ignore[attr-defined]
    chosen = selectors.access_window_for_citizen(account=account, window_id=window_id)
    when = _day(day)
    context = {"window": chosen, "day": when, "moving": _rescheduling(request), "slots": []}
    if not selectors.is_offered_day(window=chosen, day=when):
        refusal = actions.offered_day_refusal(window=chosen, day=when)
        return _page(
            request, "appointments/h5/day.html", {**context, "refusal": refusal.message}, 400
        )
    window_day = actions.do_prepare_day(window=chosen, day=when)
    if window_day is not None and window_day.is_closed:
        context["closed_reason"] = window_day.closed_reason
    context["slots"] = selectors.slot_offers(window=chosen, day=when)
    return _page(request, "appointments/h5/day.html", context)


@citizen_page
@binding_required
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, window_id: int, slot_id: int) -> HttpResponse:
    """The booking's summary and the button that books (or moves a booking to this time)."""
    account = request.account  # type: ignore[attr-defined]
    openid = request.citizen_openid  # type: ignore[attr-defined]
    chosen = selectors.access_window_for_citizen(account=account, window_id=window_id)
    slot = Slot.objects.filter(window=chosen, pk=slot_id).first()
    if slot is None:
        raise Http404("No such time.")
    moving = _rescheduling(request)
    context = {
        "window": chosen,
        "slot": slot,
        "moving": moving,
        # Booking twice the same day is refused: show the booking they have instead.
        "existing": selectors.active_booking_on(
            window=chosen, day=slot.day, openid=openid, excluding=moving
        ),
    }
    if request.method == "POST":
        try:
            if moving is not None:
                booking = actions.check_reschedule(
                    booking=moving, openid=openid, slot_id=slot.pk, ip_address=client_ip(request)
                )
            else:
                booking = actions.check_book(
                    account=account,
                    openid=openid,
                    slot_id=slot.pk,
                    binding=request.binding,  # type: ignore[attr-defined]
                    ip_address=client_ip(request),
                )
        except AppError as refused:
            slot.refresh_from_db()
            context["existing"] = selectors.active_booking_on(
                window=chosen, day=slot.day, openid=openid, excluding=moving
            )
            return _page(
                request,
                "appointments/h5/confirm.html",
                {**context, "refusal": refused.message, "refusal_code": refused.code},
                status=refused.status,
            )
        # A move makes a new booking with its own number: the page says so.
        done = "moved" if moving is not None else "booked"
        return redirect(f"{links.booking_path(account.slug, booking.code)}?done={done}")
    return _page(request, "appointments/h5/confirm.html", context)


@citizen_page
@binding_required
def mine(request: HttpRequest) -> HttpResponse:
    """My bookings: upcoming ones first, then the history."""
    account = request.account  # type: ignore[attr-defined]
    openid = request.citizen_openid  # type: ignore[attr-defined]
    groups = selectors.my_bookings(account=account, openid=openid)
    return _page(
        request,
        "appointments/h5/mine.html",
        {"upcoming": groups.upcoming, "cancelled": groups.cancelled, "history": groups.earlier},
    )


def _booking_page(request: HttpRequest, booking, *, refusal: str = "", status: int = 200):
    return _page(
        request,
        "appointments/h5/booking.html",
        {
            "booking": booking,
            "state": selectors.state_of(booking),
            "refusal": refusal,
            "done": request.GET.get("done", "") if not refusal else "",
            "moved_to": selectors.rescheduled_to(booking),
            "now": timezone.now(),
        },
        status=status,
    )


@citizen_page
@binding_required
def booking(request: HttpRequest, code: str) -> HttpResponse:
    """One booking: time, place, number, queue number; cancel, reschedule, 取号."""
    found = selectors.booking_for_citizen(
        account=request.account,  # type: ignore[attr-defined]
        openid=request.citizen_openid,  # type: ignore[attr-defined]
        code=code,
    )
    return _booking_page(request, found)


def _act(request: HttpRequest, code: str, act, *, done: str = "") -> HttpResponse:
    account = request.account  # type: ignore[attr-defined]
    found = selectors.booking_for_citizen(
        account=account,
        openid=request.citizen_openid,  # type: ignore[attr-defined]
        code=code,
    )
    try:
        act(found)
    except AppError as refused:
        found.refresh_from_db()
        return _booking_page(request, found, refusal=refused.message, status=refused.status)
    path = links.booking_path(account.slug, found.code)
    return redirect(f"{path}?done={done}" if done else path)


@citizen_page
@binding_required
@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, code: str) -> HttpResponse:
    """GET: are you sure? (the booking's summary and the button that cancels, so one tap
    cannot cancel, and no JavaScript is needed). POST: cancel."""
    openid = request.citizen_openid  # type: ignore[attr-defined]
    if request.method == "GET":
        found = selectors.booking_for_citizen(
            account=request.account,  # type: ignore[attr-defined]
            openid=openid,
            code=code,
        )
        if not selectors.state_of(found).may_change:
            return _booking_page(
                request, found, refusal=actions.changeable_refusal(found).message, status=409
            )
        return _page(request, "appointments/h5/cancel.html", {"booking": found})
    return _act(
        request,
        code,
        lambda b: actions.check_cancel(booking=b, openid=openid, ip_address=client_ip(request)),
        done="cancelled",
    )


@citizen_page
@binding_required
@require_POST
def check_in(request: HttpRequest, code: str) -> HttpResponse:
    openid = request.citizen_openid  # type: ignore[attr-defined]
    return _act(
        request,
        code,
        lambda b: actions.check_citizen_check_in(
            booking=b, openid=openid, ip_address=client_ip(request)
        ),
    )


@citizen_page
@binding_required
def reschedule(request: HttpRequest, code: str) -> HttpResponse:
    """Start moving a booking: the window's days, carrying ?reschedule=<code>."""
    account = request.account  # type: ignore[attr-defined]
    found = selectors.booking_for_citizen(
        account=account,
        openid=request.citizen_openid,  # type: ignore[attr-defined]
        code=code,
    )
    if found.status != BookingStatus.BOOKED or not selectors.state_of(found).may_change:
        return _booking_page(
            request,
            found,
            refusal=actions.changeable_refusal(found).message,
            status=409,
        )
    return redirect(f"{links.window_path(account.slug, found.window_id)}?reschedule={found.code}")
