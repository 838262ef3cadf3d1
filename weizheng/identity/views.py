"""Citizen H5 pages of real-name binding (opened from the account's menu inside WeChat)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from weizheng.wechat.oauth import citizen_page


@citizen_page
def start(request: HttpRequest) -> HttpResponse:
    """The binding flow's first page: the privacy notice and the consent tick."""
    response = render(request, "identity/h5/start.html", {"account": request.account})  # type: ignore[attr-defined]
    response["Cache-Control"] = "no-store"
    return response
