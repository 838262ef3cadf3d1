"""Django's admin: the platform operators' tool (accounts' secrets, departments, memberships,
TOTP devices), behind the same sign-in and second factor. Department staff never enter it: they
work in /office/, where every page is scoped to their departments' accounts."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from .decorators import is_verified


class OfficeAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser) and is_verified(request)

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        next_url = request.GET.get("next") or reverse("admin:index")
        return HttpResponseRedirect(f"{reverse('staff:login')}?{urlencode({'next': next_url})}")
