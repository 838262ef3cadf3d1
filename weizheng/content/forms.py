"""Back-office forms of the content app. They parse input; the actions validate it, and a refusal
goes back onto the field it concerns."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from weizheng.core.errors import AppError

from .models import Kind, Language, MediaAsset, MediaKind, RelationKind, Validity

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ItemForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=300,
        required=False,
        help_text=_("Shown in lists and in WeChat's article cards."),
    )
    body = forms.CharField(
        label=_("Full text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text=_(
            "Plain text (a blank line between paragraphs) or simple HTML: paragraphs, headings,"
            " bold, lists, tables and links. Anything else is removed."
        ),
    )
    document_number = forms.CharField(
        label=_("Document number"),
        max_length=64,
        required=False,
        help_text=_(
            "发文字号 such as 国办发〔2013〕100号; [2013] is accepted and stored as 〔2013〕."
        ),
    )
    issuer = forms.CharField(label=_("Issuing body"), max_length=100, required=False)
    topic = forms.CharField(label=_("Topic"), max_length=50, required=False)
    written_on = forms.DateField(label=_("Date written"), required=False, widget=DATE_WIDGET)
    issued_on = forms.DateField(label=_("Date issued"), required=False, widget=DATE_WIDGET)
    effective_on = forms.DateField(label=_("Date effective"), required=False, widget=DATE_WIDGET)
    validity = forms.ChoiceField(
        label=_("Validity"), choices=Validity.choices, initial=Validity.IN_FORCE
    )
    cover = forms.ModelChoiceField(
        label=_("Cover image"),
        queryset=MediaAsset.objects.none(),
        required=False,
        help_text=_("An image of the media library."),
    )
    scheduled_at = forms.DateTimeField(
        label=_("Publish at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("Empty: published as soon as the final review approves it."),
    )

    POLICY_FIELDS = (
        "document_number",
        "issuer",
        "topic",
        "written_on",
        "issued_on",
        "effective_on",
        "validity",
    )

    def __init__(self, *args: Any, account: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["cover"].queryset = MediaAsset.objects.filter(
            account=account, kind=MediaKind.IMAGE
        )
        if kind == Kind.NEWS:
            for name in self.POLICY_FIELDS:
                del self.fields[name]
        else:
            del self.fields["cover"]

    def data_for_action(self) -> dict[str, Any]:
        return dict(self.cleaned_data)

    def add_refusal(self, error: AppError) -> None:
        field = error.extra.get("field")
        self.add_error(field if field in self.fields else None, error.message)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class RelationForm(forms.Form):
    kind = forms.ChoiceField(label=_("This document"), choices=RelationKind.choices)
    target = forms.IntegerField(label=_("Document"), widget=forms.Select)


class MediaForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=MediaKind.choices)
    file = forms.FileField(label=_("File"))


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("A CSV or JSON file, or a ZIP of .txt / .html files (see the format below)."),
    )
    check_only = forms.BooleanField(
        label=_("Check only"),
        required=False,
        help_text=_("Report what would be imported and what would be rejected, without saving."),
    )
    submit_for_review = forms.BooleanField(
        label=_("Submit the imported items for review"),
        required=False,
    )
