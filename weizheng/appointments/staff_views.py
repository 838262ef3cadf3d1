"""Back-office pages of 预约: the windows (eservices.manage configures them and their opening
hours, and closes a day), the day's queue (cases.handle: check-in, call next, completed or
no-show). The queue shows citizens, masked, and every view of it is audited."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from weizheng.core.errors import AppError
from weizheng.core.http import client_ip
from weizheng.staff.decorators import account_page
from weizheng.staff.selectors import permissions_on
from weizheng.wechat.models import OfficialAccount

from . import actions, selectors
from .forms import CloseDayForm, WindowForm
from .models import BookingStatus, Window

CONFIGURE = "eservices.manage"
HANDLE = "cases.handle"


def _held(request: HttpRequest, account: OfficialAccount) -> frozenset[str]:
    held = permissions_on(request.user, account)
    if CONFIGURE not in held and HANDLE not in held:
        raise PermissionDenied("Your roles give no access to appointments on this account.")
    return held


def _queue_url(window: Window, day: date | None = None) -> str:
    url = reverse(
        "office-appointments:queue",
        kwargs={"account_id": window.account_id, "window_id": window.pk},
    )
    return f"{url}?day={day.isoformat()}" if day else url


def _day_param(value: str | None) -> date:
    if not value:
        return actions.local_today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Http404("No such day.") from None


@account_page("account.view")
def index(request: HttpRequest, account: OfficialAccount) -> HttpResponse:
    """The account's windows, with links to each day's queue and to their settings."""
    held = _held(request, account)
    return render(
        request,
        "appointments/staff/index.html",
        {
            "account": account,
            "windows": selectors.windows_of(account=account).prefetch_related("periods"),
            "may_configure": CONFIGURE in held,
            "may_handle": HANDLE in held,
            "today": actions.local_today(),
        },
    )


def _editor(request: HttpRequest, account: OfficialAccount, window: Window | None) -> HttpResponse:
    form = WindowForm(request.POST or None, instance=window, account=account)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = actions.check_save_window(
                    account=account,
                    data=form.data_for_action(),
                    periods=form.cleaned_data["periods"],
                    guide=form.cleaned_data.get("guide"),
                    actor=request.user,
                    window=window,
                )
            except AppError as refused:
                field = refused.extra.get("field")
                form.add_error(field if field in form.fields else None, refused.message)
                status = refused.status
            else:
                messages.success(
                    request, _("The window “%(name)s” is saved.") % {"name": saved.name}
                )
                return redirect("office-appointments:index", account_id=account.pk)
        else:
            status = 400
    return render(
        request,
        "appointments/staff/window_form.html",
        {"account": account, "form": form, "window": window},
        status=status,
    )


@account_page(CONFIGURE)
@require_http_methods(["GET", "POST"])
def window_new(request: HttpRequest, account: OfficialAccount) -> HttpResponse:
    return _editor(request, account, None)


@account_page(CONFIGURE)
@require_http_methods(["GET", "POST"])
def window_edit(request: HttpRequest, account: OfficialAccount, window_id: int) -> HttpResponse:
    window = selectors.access_window_for_staff(account=account, window_id=window_id)
    return _editor(request, account, window)


@account_page(HANDLE)
def queue(request: HttpRequest, account: OfficialAccount, window_id: int) -> HttpResponse:
    """The day's bookings by slot, masked; each view is audited."""
    window = selectors.access_window_for_staff(account=account, window_id=window_id)
    day = _day_param(request.GET.get("day"))
    slots = selectors.queue_of(window=window, day=day)
    shown = sum(len(s.bookings) for s in slots)
    actions.do_audit_queue_view(
        account=account,
        window=window,
        day=day,
        shown=shown,
        actor=request.user,
        ip_address=client_ip(request),
    )
    held = permissions_on(request.user, account)
    today = actions.local_today()
    response = render(
        request,
        "appointments/staff/queue.html",
        {
            "account": account,
            "window": window,
            "day": day,
            "is_today": day == today,
            "previous_day": day.fromordinal(day.toordinal() - 1),
            "next_day": day.fromordinal(day.toordinal() + 1),
            "slots": slots,
            "shown": shown,
            "serving": selectors.now_serving(window=window, day=day),
            "waiting": selectors.waiting_count(window=window, day=day),
            "window_day": selectors.window_day(window=window, day=day),
            "may_configure": CONFIGURE in held,
            "close_form": CloseDayForm(initial={"day": day}),
            "closed_days": selectors.closed_days(window=window, since=today),
            "statuses": BookingStatus,
            # No-show only once the time has begun (check_finish refuses it before).
            "now": timezone.now(),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


def _back(request: HttpRequest, window: Window, day: date, action) -> HttpResponse:
    try:
        message = action()
    except AppError as refused:
        messages.error(request, refused.message)
    else:
        if message:
            messages.success(request, message)
    return redirect(_queue_url(window, day))


@account_page(HANDLE)
@require_POST
def call_next(request: HttpRequest, account: OfficialAccount, window_id: int) -> HttpResponse:
    window = selectors.access_window_for_staff(account=account, window_id=window_id)
    day = actions.local_today()

    def call() -> str:
        called = actions.do_call_next(window=window, day=day, actor=request.user)
        if called is None:
            return _("Nobody is waiting.")
        return _("Calling number %(number)03d.") % {"number": called.queue_number}

    return _back(request, window, day, call)


@account_page(HANDLE)
@require_POST
def check_in(
    request: HttpRequest, account: OfficialAccount, window_id: int, booking_id: int
) -> HttpResponse:
    window = selectors.access_window_for_staff(account=account, window_id=window_id)
    booking = selectors.access_booking_for_staff(window=window, booking_id=booking_id)

    def act() -> str:
        done = actions.check_staff_check_in(booking=booking, actor=request.user)
        return _("Checked in: number %(number)03d.") % {"number": done.queue_number}

    return _back(request, window, booking.day, act)


@account_page(HANDLE)
@require_POST
def finish(
    request: HttpRequest, account: OfficialAccount, window_id: int, booking_id: int
) -> HttpResponse:
    window = selectors.access_window_for_staff(account=account, window_id=window_id)
    booking = selectors.access_booking_for_staff(window=window, booking_id=booking_id)
    outcome = request.POST.get("outcome", "")

    def act() -> str:
        done = actions.check_finish(booking=booking, outcome=outcome, actor=request.user)
        return _("Booking %(code)s: %(status)s.") % {
            "code": done.code,
            "status": done.get_status_display(),
        }

    return _back(request, window, booking.day, act)


@account_page(CONFIGURE)
@require_POST
def close_day(request: HttpRequest, account: OfficialAccount, window_id: int) -> HttpResponse:
    window = selectors.access_window_for_staff(account=account, window_id=window_id)
    form = CloseDayForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the day and the reason the citizens will read."))
        return redirect(_queue_url(window, _day_param(request.POST.get("day"))))
    day = form.cleaned_data["day"]

    def act() -> str:
        count = actions.check_close_day(
            window=window, day=day, reason=form.cleaned_data["reason"], actor=request.user
        )
        return _("The window is closed on %(day)s; %(count)d bookings were cancelled.") % {
            "day": day.isoformat(),
            "count": count,
        }

    return _back(request, window, day, act)


@account_page(CONFIGURE)
@require_POST
def reopen_day(request: HttpRequest, account: OfficialAccount, window_id: int) -> HttpResponse:
    window = selectors.access_window_for_staff(account=account, window_id=window_id)
    day = _day_param(request.POST.get("day"))

    def act() -> str:
        if actions.do_reopen_day(window=window, day=day, actor=request.user):
            return _("The window is open again on %(day)s.") % {"day": day.isoformat()}
        return ""

    return _back(request, window, day, act)
