"""Back-office pages of the notification service: delivery figures, failures, paused lanes, and
which WeChat template carries each kind of notification."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from weizheng.core.errors import AppError
from weizheng.staff.decorators import account_page
from weizheng.staff.selectors import can

from . import actions, registry, selectors
from .models import NotificationTemplate


@account_page("notifications.view")
def index(request: HttpRequest, account: Any) -> HttpResponse:
    return render(
        request,
        "notifications/staff/index.html",
        {
            "account": account,
            "figures": selectors.delivery_figures(account=account),
            "failures": selectors.recent_failures(account=account),
            "paused": selectors.paused_lanes(account=account),
            "templates": selectors.templates_by_kind(account=account),
            "may_manage": can(request.user, "account.manage", account),
        },
    )


@require_POST
@account_page("notifications.view")
def resume_lane(request: HttpRequest, account: Any) -> HttpResponse:
    if not can(request.user, "account.manage", account):
        raise PermissionDenied(_("Only an administrator of the account resumes a lane."))
    api = request.POST.get("api", "")
    if actions.do_resume_lane(account=account, api=api, actor=request.user):
        messages.success(request, _("The lane is running again."))
    else:
        messages.error(request, _("That lane was not paused."))
    return redirect("office-notifications:index", account_id=account.pk)


class TemplateForm(forms.Form):
    template_id = forms.CharField(label=gettext_lazy("WeChat template ID"), max_length=64)
    fields = forms.CharField(
        label=gettext_lazy("Template fields"),
        widget=forms.Textarea(attrs={"rows": 6, "class": "mono"}),
        help_text=gettext_lazy(
            "JSON: each field of the WeChat template and what fills it, e.g. "
            '{"first": "{title}", "keyword1": "{content}"}.'
        ),
    )

    def clean_fields(self) -> dict[str, str]:
        try:
            value = json.loads(self.cleaned_data["fields"])
        except ValueError as exc:
            raise forms.ValidationError(
                _("This is not valid JSON: %(error)s") % {"error": exc}
            ) from exc
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise forms.ValidationError(_("Give an object of field names and texts."))
        return value


@account_page("notifications.view")
def template_edit(request: HttpRequest, account: Any, kind: str) -> HttpResponse:
    definition = registry.get(kind)
    if definition is None:
        raise Http404("No such notification kind.")
    current = NotificationTemplate.objects.filter(account=account, kind=kind).first()
    initial = (
        {
            "template_id": current.template_id,
            "fields": json.dumps(current.fields, ensure_ascii=False, indent=2),
        }
        if current
        else {
            "fields": json.dumps(
                {v: "{" + v + "}" for v in definition.variables}, ensure_ascii=False, indent=2
            )
        }
    )
    form = TemplateForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not can(request.user, "account.manage", account):
            raise PermissionDenied(_("Only an administrator of the account sets templates."))
        if form.is_valid():
            try:
                actions.check_save_template(
                    account=account,
                    kind=kind,
                    template_id=form.cleaned_data["template_id"],
                    fields=form.cleaned_data["fields"],
                    actor=request.user,
                )
            except AppError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The template is saved."))
                return redirect("office-notifications:index", account_id=account.pk)
    return render(
        request,
        "notifications/staff/template.html",
        {"account": account, "kind": definition, "form": form, "current": current},
    )
