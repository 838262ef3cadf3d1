"""Back-office pages of the wechat app: an account's parametric QR codes."""

from __future__ import annotations

import io
from typing import Any

import segno
from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from weizheng.core.errors import AppError
from weizheng.staff.decorators import account_page

from .actions import MAX_TEMPORARY_SECONDS, check_create_qrcode
from .models import QrCode
from .selectors import qrcodes_with_counts


class QrCodeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    scene = forms.RegexField(
        label=_("Scene"),
        regex=r"^[A-Za-z0-9_-]{1,64}$",
        max_length=64,
        error_messages={
            "invalid": _("A scene is 1 to 64 letters, digits, hyphens or underscores.")
        },
        help_text=_("e.g. hall-1 for the exit-entry hall; greetings can be set per scene."),
    )
    is_permanent = forms.BooleanField(label=_("Permanent"), required=False, initial=True)
    expire_days = forms.IntegerField(
        label=_("Lifetime of a temporary code (days)"),
        required=False,
        min_value=1,
        max_value=MAX_TEMPORARY_SECONDS // 86400,
    )


@account_page("qrcodes.manage")
def qrcode_list(request: HttpRequest, account: Any) -> HttpResponse:
    form = QrCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            code = check_create_qrcode(
                account=account,
                name=data["name"],
                scene=data["scene"],
                is_permanent=data["is_permanent"],
                expire_seconds=(data["expire_days"] or 0) * 86400 or None,
                actor=request.user,
            )
        except AppError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The QR code “%(name)s” is ready.") % {"name": code.name})
            return redirect("office-qrcodes:index", account_id=account.pk)
    rows = qrcodes_with_counts(account=account)
    for row in rows:
        row["svg"] = segno.make(row["code"].url or row["code"].ticket, error="m").svg_inline(
            scale=2, border=1
        )
    return render(
        request, "wechat/staff/qrcodes.html", {"account": account, "rows": rows, "form": form}
    )


@account_page("qrcodes.manage")
def qrcode_png(request: HttpRequest, account: Any, qrcode_id: int) -> HttpResponse:
    """A print-size PNG of the code (drawn here: government intranets may not reach WeChat)."""
    code = QrCode.objects.filter(account=account, pk=qrcode_id).first()
    if code is None:
        raise Http404("No such QR code.")
    out = io.BytesIO()
    segno.make(code.url or code.ticket, error="m").save(out, kind="png", scale=12, border=4)
    response = HttpResponse(out.getvalue(), content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="qrcode-{code.scene}.png"'
    return response
