from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("Six-digit code"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Enter the six digits your authenticator app shows.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        return self.cleaned_data["token"].strip()


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("Action starts with"), required=False, max_length=64)
    actor = forms.CharField(label=_("Actor"), required=False, max_length=150)


HOST_PATTERN = r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:\d{1,5})?$"


class AccountSettingsForm(forms.Form):
    name = forms.CharField(label=_("Display name"), max_length=100)
    default_language = forms.ChoiceField(label=_("Default language"))
    menu_url_domains = forms.CharField(
        label=_("Menu link domains"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One host name per line, as registered with WeChat (e.g. gaj.pingan.gov.cn). "
            "Menu links to other hosts are refused. Empty: any host."
        ),
    )

    def __init__(self, *args, language_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default_language"].choices = language_choices

    def clean_menu_url_domains(self) -> list[str]:
        import re

        hosts = []
        for line in self.cleaned_data["menu_url_domains"].splitlines():
            host = line.strip().lower()
            if not host:
                continue
            if not re.fullmatch(HOST_PATTERN, host):
                raise forms.ValidationError(
                    _("“%(host)s” is not a host name."), params={"host": host}
                )
            if host not in hosts:
                hosts.append(host)
        return hosts
