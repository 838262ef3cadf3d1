"""Back-office forms of the eservices app. They parse input (the fee in yuan becomes fen); the
actions validate it, and a refusal goes back onto the field or row it concerns."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from weizheng.core.errors import AppError

from .models import (
    ApplicationStatus,
    DateLimit,
    FieldKind,
    FileType,
    HandlingMode,
    Language,
    MaterialForm,
    Prefill,
)


class GuideForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    code = forms.CharField(
        label=_("Service code"),
        max_length=64,
        required=False,
        help_text=_("事项编码 of the government service catalogue, if it has one."),
    )
    category = forms.CharField(
        label=_("Category"),
        max_length=50,
        help_text=_("Citizens browse guides by category, e.g. 驾驶证业务."),
        widget=forms.TextInput(attrs={"list": "guide-categories"}),
    )
    department = forms.CharField(label=_("Handling department"), max_length=100)
    mode = forms.ChoiceField(label=_("Handling mode"), choices=HandlingMode.choices)
    conditions = forms.CharField(
        label=_("Applicable conditions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    fee_yuan = forms.DecimalField(
        label=_("Fee (yuan)"),
        min_value=Decimal("0"),
        max_value=Decimal("100000"),
        decimal_places=2,
        initial=Decimal("0"),
        help_text=_("0 when the service is free."),
    )
    fee_basis = forms.CharField(
        label=_("Fee basis"),
        max_length=500,
        required=False,
        help_text=_("The rule that sets the fee, or why it is free."),
    )
    statutory_days = forms.IntegerField(
        label=_("Statutory time limit (working days)"), min_value=0, max_value=365, required=False
    )
    promised_days = forms.IntegerField(
        label=_("Promised time limit (working days)"), min_value=0, max_value=365, required=False
    )
    steps = forms.CharField(
        label=_("Steps"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One step per line."),
    )
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    hours = forms.CharField(label=_("Opening hours"), max_length=200, required=False)
    phone = forms.CharField(label=_("Enquiries phone"), max_length=50, required=False)

    def data_for_action(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        fee = data.pop("fee_yuan")
        data["fee_fen"] = int((fee or Decimal("0")) * 100)
        return data

    def add_refusal(self, error: AppError) -> None:
        field = error.extra.get("field")
        if field == "fee_fen":
            field = "fee_yuan"
        self.add_error(field if field in self.fields else None, error.message)


class MaterialRowForm(forms.Form):
    name = forms.CharField(label=_("Material"), max_length=200)
    form = forms.ChoiceField(
        label=_("Original or copy"), choices=MaterialForm.choices, initial=MaterialForm.ORIGINAL
    )
    copies = forms.IntegerField(label=_("Copies"), min_value=1, max_value=20, initial=1)
    is_required = forms.BooleanField(label=_("Required"), required=False, initial=True)
    note = forms.CharField(label=pgettext_lazy("material", "Note"), max_length=300, required=False)


class QuestionRowForm(forms.Form):
    question = forms.CharField(label=_("Question"), max_length=200)
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 2}))


MaterialFormSet = forms.formset_factory(
    MaterialRowForm, extra=2, can_delete=True, max_num=50, validate_max=True
)
QuestionFormSet = forms.formset_factory(
    QuestionRowForm, extra=1, can_delete=True, max_num=30, validate_max=True
)


def rows_of(formset: Any) -> list[dict[str, Any]]:
    """The filled, not deleted rows of a valid formset, in order, without the DELETE flag."""
    rows = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None)
        if not data or data.get("DELETE"):
            continue
        rows.append({k: v for k, v in data.items() if k != "DELETE"})
    return rows


# --- the application form designer -----------------------------------------------------------
class FieldRowForm(forms.Form):
    """One question of a service's online application form."""

    label = forms.CharField(label=_("Label"), max_length=100)
    key = forms.CharField(
        label=_("Key"),
        max_length=40,
        help_text=_("Lowercase letters, digits and _; answers are kept under it."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=FieldKind.choices, initial=FieldKind.TEXT)
    is_required = forms.BooleanField(label=_("Required"), required=False, initial=True)
    prefill = forms.ChoiceField(
        label=_("Value"), choices=Prefill.choices, required=False, initial=""
    )
    choices = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For a choice from a list: one option per line."),
    )
    file_types = forms.MultipleChoiceField(
        label=_("File types"),
        choices=FileType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    max_size_kb = forms.IntegerField(
        label=_("Largest file (KB)"), required=False, min_value=1, max_value=20 * 1024
    )
    help_text = forms.CharField(label=_("Help text"), max_length=200, required=False)
    date_limit = forms.ChoiceField(
        label=_("Date limit"), choices=DateLimit.choices, required=False, initial=""
    )
    required_when_field = forms.CharField(
        label=_("Required when field"),
        max_length=40,
        required=False,
        help_text=_("The key of a choice field; with an option below, it overrides Required."),
    )
    required_when_value = forms.CharField(label=_("has the option"), max_length=100, required=False)


FieldFormSet = forms.formset_factory(
    FieldRowForm, extra=2, can_delete=True, can_order=True, max_num=40, validate_max=True
)


def field_rows(formset: Any) -> list[dict[str, Any]]:
    """The filled, not deleted rows in the order given by their Order numbers (rows without a
    number keep their place after the numbered ones), without the formset's own keys."""
    rows = []
    for index, form in enumerate(formset.forms):
        data = getattr(form, "cleaned_data", None)
        if not data or data.get("DELETE"):
            continue
        order = data.get("ORDER")
        row = {k: v for k, v in data.items() if k not in ("DELETE", "ORDER")}
        rows.append(((order is None, order or 0, index), row))
    return [row for _sort, row in sorted(rows, key=lambda item: item[0])]


class OnlineSwitchForm(forms.Form):
    accepts_online = forms.BooleanField(
        label=_("Citizens can apply online"),
        required=False,
        help_text=_("Shows “Apply online” on the published guide (handling mode online or both)."),
    )


class StepForm(forms.Form):
    """A department's step on an application, with the status the page showed."""

    to = forms.ChoiceField(choices=ApplicationStatus.choices)
    seen = forms.ChoiceField(choices=ApplicationStatus.choices)
    note = forms.CharField(max_length=500, required=False)
