"""Guards for back-office views: a signed-in, second-factor-verified staff member, and an account
they may act on (resolved through staff.selectors, so scoping lives in one place)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from .selectors import access_account


def is_verified(request: HttpRequest) -> bool:
    """Signed in and, when the deployment requires it, past the TOTP step in this session."""
    user = request.user
    if not user.is_authenticated or not user.is_active:
        return False
    if not settings.STAFF_REQUIRE_TOTP:
        return True
    return bool(getattr(user, "is_verified", lambda: False)())


def _to_login(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        # Password accepted, second factor still due (or not yet enrolled).
        target = reverse("staff:otp-verify")
    else:
        target = reverse("staff:login")
    return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")


def staff_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A back-office page: anyone else is sent to the login (or the TOTP step)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_verified(request):
            return _to_login(request)
        return view(request, *args, **kwargs)

    return wrapped


def account_page(
    permission: str = "account.view",
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A page about one account: 404 when the staff member may not see it (nothing says it
    exists), 403 when they see it but lack `permission`. The view gets `account=`."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, account_id: Any, **kwargs: Any) -> Any:
            if not is_verified(request):
                return _to_login(request)
            account = access_account(request.user, account_id, permission)
            request.office_account = account  # type: ignore[attr-defined]
            return view(request, *args, account=account, **kwargs)

        return wrapped

    return decorator
