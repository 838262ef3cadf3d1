"""Back-office page of real-name bindings: exact look-up by ID number, phone (blind indexes) or
OpenID, masked results, and unbinding on a citizen's request (administrators).

The search is a POST so the numbers typed never land in a URL (access logs, browser history);
every look-up is audited with the search term masked.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from weizheng.core.errors import AppError
from weizheng.core.http import client_ip
from weizheng.core.masking import mask_id_number, mask_phone
from weizheng.followers.h5_selectors import mask_openid
from weizheng.staff.decorators import account_page
from weizheng.staff.selectors import can

from . import actions
from .idcard import InvalidIdNumber, check_id_number
from .phones import InvalidPhone, check_phone
from .selectors import LookupBy, access_binding_for_staff, lookup_bindings

# Unbinding for a citizen is an administrator's act: administrators hold account.manage.
UNBIND_PERMISSION = "account.manage"


class LookupForm(forms.Form):
    by = forms.ChoiceField(label=gettext_lazy("Search by"), choices=LookupBy.choices)
    q = forms.CharField(label=gettext_lazy("Exact value"), max_length=64, strip=True)


class MalformedTerm(Exception):
    """The number typed cannot be anyone's (a wrong check digit...): no look-up is made."""


def _search_term(by: str, value: str) -> tuple[str, str]:
    """(value to look up, masked value for the audit log); MalformedTerm with the reason for an
    ID or phone number that cannot exist."""
    if by == LookupBy.ID_NUMBER:
        try:
            number = check_id_number(value)
        except InvalidIdNumber as exc:
            raise MalformedTerm(str(exc.reason)) from None
        return number, mask_id_number(number)
    if by == LookupBy.PHONE:
        try:
            phone = check_phone(value)
        except InvalidPhone as exc:
            raise MalformedTerm(str(exc.reason)) from None
        return phone, mask_phone(phone)
    return value, mask_openid(value)


@account_page("identity.view")
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest, account) -> HttpResponse:
    """Look up bindings; each search is audited (who, by what, masked term, what was found)."""
    form = LookupForm(request.POST or None)
    results = None
    malformed = ""
    if request.method == "POST" and form.is_valid():
        by = form.cleaned_data["by"]
        try:
            value, masked = _search_term(by, form.cleaned_data["q"])
        except MalformedTerm as exc:
            malformed = str(exc)  # nobody's number: nothing looked up, nothing to audit
        else:
            results = lookup_bindings(account=account, by=by, value=value)
            actions.do_audit_staff_lookup(
                actor=request.user,
                account=account,
                by=by,
                term=masked,
                found=results,
                ip_address=client_ip(request),
            )
    bad = request.method == "POST" and (not form.is_valid() or bool(malformed))
    status = 400 if bad else 200
    response = render(
        request,
        "identity/staff/index.html",
        {
            "account": account,
            "form": form,
            "results": results,
            "malformed": malformed,
            "may_unbind": can(request.user, UNBIND_PERMISSION, account),
        },
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


@account_page("identity.view")
@require_POST
def unbind(request: HttpRequest, account, binding_id: int) -> HttpResponse:
    """End a binding on the citizen's request (at a service hall), with the reason."""
    if not can(request.user, UNBIND_PERMISSION, account):
        raise PermissionDenied(_("Only an administrator of the account may unbind."))
    binding = access_binding_for_staff(account=account, binding_id=binding_id)
    try:
        actions.do_unbind(
            binding=binding,
            actor=request.user,
            reason=request.POST.get("reason", ""),
            ip_address=client_ip(request),
        )
    except AppError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("The binding was removed and its personal data deleted."))
    return redirect("office-identity:index", account_id=account.pk)
