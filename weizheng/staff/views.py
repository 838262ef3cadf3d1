"""The back-office shell: sign-in with a second factor, the dashboard, an account's overview and
the audit log. Domain pages live in each app's staff_views.py and plug into navigation.py."""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from weizheng.core.errors import AppError
from weizheng.core.http import client_ip
from weizheng.followers.selectors import follower_counts
from weizheng.wechat.models import InboundMessage

from . import actions
from .decorators import account_page, is_verified, staff_page
from .forms import AccountSettingsForm, AuditFilterForm, LoginForm, TokenForm
from .selectors import (
    accounts_for,
    audit_entries_for,
    awaiting_review_by,
    has_back_office_access,
    may_review_anything,
    permissions_on,
)


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("staff:home")


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    """Step one: username and password. django-axes counts failures and locks the username
    (its middleware answers a locked-out attempt, whatever the password)."""
    if is_verified(request):
        return HttpResponseRedirect(_next_url(request))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
        )
        if user is None:
            form.add_error(None, _("The username or password is wrong."))
        elif not has_back_office_access(user):
            form.add_error(None, _("This user has no role in any department yet."))
        else:
            login(request, user)
            target = _next_url(request)
            if not settings.STAFF_REQUIRE_TOTP:
                actions.do_record_login(user=user, ip_address=client_ip(request))
                return HttpResponseRedirect(target)
            step = "staff:otp-verify" if actions.confirmed_device(user) else "staff:otp-setup"
            return HttpResponseRedirect(f"{reverse(step)}?next={target}")
    return render(request, "staff/login.html", {"form": form, "next": request.GET.get("next", "")})


@csrf_protect
@never_cache
def otp_verify(request: HttpRequest) -> HttpResponse:
    """Step two: the six-digit code from the staff member's authenticator app."""
    if not request.user.is_authenticated:
        return redirect("staff:login")
    if is_verified(request):
        return HttpResponseRedirect(_next_url(request))
    if actions.confirmed_device(request.user) is None:
        return HttpResponseRedirect(f"{reverse('staff:otp-setup')}?next={_next_url(request)}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = actions.check_totp(
                user=request.user, token=form.cleaned_data["token"], ip_address=client_ip(request)
            )
        except AppError as exc:
            form.add_error("token", exc.message)
        else:
            otp_login(request, device)
            return HttpResponseRedirect(_next_url(request))
    return render(
        request,
        "staff/otp_verify.html",
        {"form": form, "next": _next_url(request), "demo_code": _demo_code(request.user)},
    )


def _demo_code(user: Any) -> str | None:
    """The demo's authenticator code, shown on the page so a demo needs no phone: only with
    DEBUG on and only for the device `manage.py demo_load` creates."""
    if not settings.DEBUG:
        return None
    from django_otp.oath import totp

    from weizheng.core.management.commands.demo_load import DEMO_DEVICE_NAME, DEMO_TOTP_KEY

    device = actions.confirmed_device(user)
    if device is None or device.name != DEMO_DEVICE_NAME or device.key != DEMO_TOTP_KEY:
        return None
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@csrf_protect
@never_cache
def otp_setup(request: HttpRequest) -> HttpResponse:
    """First sign-in: scan the QR code into an authenticator app and confirm with a code."""
    if not request.user.is_authenticated:
        return redirect("staff:login")
    if actions.confirmed_device(request.user) is not None:
        return HttpResponseRedirect(f"{reverse('staff:otp-verify')}?next={_next_url(request)}")
    device = actions.do_start_totp_enrollment(user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = actions.check_confirm_totp(
                user=request.user, token=form.cleaned_data["token"], ip_address=client_ip(request)
            )
        except AppError as exc:
            form.add_error("token", exc.message)
        else:
            otp_login(request, device)
            actions.do_record_login(user=request.user, ip_address=client_ip(request))
            messages.success(request, _("Two-factor sign-in is set up."))
            return HttpResponseRedirect(_next_url(request))
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4, border=2)
    return render(
        request,
        "staff/otp_setup.html",
        {
            "form": form,
            "qr_svg": qr_svg,
            "secret": _base32(device.bin_key),
            "next": _next_url(request),
        },
    )


def _base32(key: bytes) -> str:
    import base64

    text = base64.b32encode(key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        actions.do_record_logout(user=request.user, ip_address=client_ip(request))
    logout(request)
    return redirect("staff:login")


@staff_page
def security(request: HttpRequest) -> HttpResponse:
    device = actions.confirmed_device(request.user)
    return render(request, "staff/security.html", {"device": device})


@staff_page
def home(request: HttpRequest) -> HttpResponse:
    """Every account the staff member may see, with today's figures, and what awaits their
    review (for those who review or approve somewhere)."""
    since = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    accounts = list(accounts_for(request.user, "account.view"))
    today = dict(
        InboundMessage.objects.filter(account__in=accounts, received_at__gte=since)
        .values("account")
        .annotate(n=Count("pk"))
        .values_list("account", "n")
    )
    from weizheng.content.selectors import STALE_AFTER, last_published_at

    now = timezone.now()
    rows = []
    for a in accounts:
        last = last_published_at(account=a)
        rows.append(
            {
                "account": a,
                "counts": follower_counts(account=a),
                "messages_today": today.get(a.pk, 0),
                "last_published": last,
                # Inspections flag two weeks without an update: warn at 12 days.
                "is_stale": last is None or now - last >= STALE_AFTER,
            }
        )
    awaiting = awaiting_review_by(request.user) if may_review_anything(request.user) else None
    return render(request, "staff/home.html", {"rows": rows, "awaiting": awaiting})


@account_page("account.view")
def account_overview(request: HttpRequest, account: Any) -> HttpResponse:
    since = timezone.now() - timezone.timedelta(days=1)
    recent = InboundMessage.objects.filter(account=account).order_by("-received_at", "-pk")[:10]
    return render(
        request,
        "staff/account.html",
        {
            "account": account,
            "counts": follower_counts(account=account),
            "messages_24h": InboundMessage.objects.filter(
                account=account, received_at__gte=since
            ).count(),
            "recent": recent,
            "permissions": permissions_on(request.user, account),
            "callback_url": request.build_absolute_uri(
                reverse("wechat-callback", args=[account.slug])
            ),
        },
    )


def _audit_page(request: HttpRequest, account: Any | None) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters: dict[str, str] = {}
    if form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    entries = audit_entries_for(request.user, account=account, **filters)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "staff/audit.html",
        {"account": account, "form": form, "page": page, "query": query.urlencode()},
    )


@staff_page
def audit_log(request: HttpRequest) -> HttpResponse:
    return _audit_page(request, None)


@account_page("audit.view")
def account_audit_log(request: HttpRequest, account: Any) -> HttpResponse:
    return _audit_page(request, account)


@account_page("account.manage")
def account_settings(request: HttpRequest, account: Any) -> HttpResponse:
    """What a department administrator may change; AppSecret and keys stay with the platform
    operators (Django admin)."""
    from weizheng.wechat.actions import do_update_account
    from weizheng.wechat.models import Language

    initial = {
        "name": account.name,
        "default_language": account.default_language,
        "menu_url_domains": "\n".join(account.menu_url_domains or []),
    }
    form = AccountSettingsForm(
        request.POST or None, initial=initial, language_choices=Language.choices
    )
    if request.method == "POST" and form.is_valid():
        changes = {
            key: value for key, value in form.cleaned_data.items() if value != getattr(account, key)
        }
        if changes:
            do_update_account(account=account, changes=changes, actor=request.user)
            messages.success(request, _("The account settings are saved."))
        return redirect("staff:account-settings", account_id=account.pk)
    return render(request, "staff/account_settings.html", {"account": account, "form": form})
