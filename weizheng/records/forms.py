"""Back-office forms of the records app."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from .models import AuthKind, HttpMethod, Mode


class ModeForm(forms.Form):
    mode = forms.ChoiceField(label=gettext_lazy("Connector"), choices=Mode.choices)


class JsonField(forms.CharField):
    """A textarea holding JSON; the cleaned value is the parsed object."""

    def __init__(self, *, allow_empty: bool = False, **kwargs: Any) -> None:
        self.allow_empty = allow_empty
        kwargs.setdefault(
            "widget", forms.Textarea(attrs={"rows": 12, "class": "mono", "spellcheck": "false"})
        )
        kwargs.setdefault("required", not allow_empty)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, (dict, list)):
            return json.dumps(value, ensure_ascii=False, indent=2) if value else ""
        return value

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        if not text or not text.strip():
            return {}
        try:
            return json.loads(text)
        except ValueError as exc:
            raise forms.ValidationError(
                _("This is not valid JSON: %(error)s") % {"error": exc}
            ) from exc


class HttpConnectorForm(forms.Form):
    url_template = forms.CharField(
        label=gettext_lazy("URL template"),
        max_length=500,
        widget=forms.TextInput(attrs={"class": "mono", "size": 80}),
        help_text=gettext_lazy(
            "http:// or https://, with placeholders in the path or query, e.g. "
            "https://api.example.gov.cn/violations?sfzh={id_number}&hphm={plate}"
        ),
    )
    method = forms.ChoiceField(label=gettext_lazy("Method"), choices=HttpMethod.choices)
    body_template = JsonField(
        label=gettext_lazy("Body template (POST)"),
        allow_empty=True,
        help_text=gettext_lazy(
            "A JSON object whose texts may be placeholders. Empty: the name, the ID number and "
            "the query's parameters."
        ),
    )
    auth_kind = forms.ChoiceField(label=gettext_lazy("Authentication"), choices=AuthKind.choices)
    auth_username = forms.CharField(
        label=gettext_lazy("User name or key id"), max_length=128, required=False
    )
    secret = forms.CharField(
        label=gettext_lazy("Secret"),
        required=False,
        max_length=1000,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    signature_header = forms.CharField(label=gettext_lazy("Signature header (HMAC)"), max_length=64)
    timeout_seconds = forms.FloatField(
        label=gettext_lazy("Timeout (seconds)"), min_value=0.5, max_value=15
    )
    mapping = JsonField(label=gettext_lazy("Field mapping"))


class TestSubjectForm(forms.Form):
    """A sample subject for "test connection": not a citizen's data."""

    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=40, initial="张三")
    id_number = forms.CharField(
        label=gettext_lazy("ID number"), max_length=18, initial="11010519491231002X"
    )
    phone = forms.CharField(
        label=gettext_lazy("Mobile phone"), max_length=11, initial="13800138000", required=False
    )
