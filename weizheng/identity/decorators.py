"""`binding_required`: citizen H5 pages that need a real-name binding.

Apply it inside `citizen_page`, which signs the citizen in first::

    @citizen_page
    @binding_required
    def my_records(request): ...
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from .selectors import active_binding

View = Callable[..., HttpResponse]


def binding_page_url(account: Any, *, next_url: str = "") -> str:
    """The start of the binding flow, coming back to `next_url` (a path on this site) when done."""
    url = reverse("identity:start", kwargs={"account_slug": account.slug})
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def binding_required(view: View) -> View:
    """Send a citizen without an active binding to the binding page (?next=this page); otherwise
    set `request.binding` and call the view."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        account = request.account  # type: ignore[attr-defined]
        binding = active_binding(account=account, openid=request.citizen_openid)  # type: ignore[attr-defined]
        if binding is None:
            return HttpResponseRedirect(binding_page_url(account, next_url=request.get_full_path()))
        request.binding = binding  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped
