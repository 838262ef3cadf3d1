"""Automatic replies in the back office (the staff shell's editor with the "test this rule" box
comes with the back-office issue; the selector behind it is selectors.matching_rule)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from weizheng.core.errors import AppError

from .actions import (
    CONTENT_FIELDS,
    check_reply_content,
    do_save_default_reply,
    do_save_greeting,
    do_save_keyword_rule,
)
from .models import DefaultReply, KeywordRule, SubscribeGreeting


class _ContentForm(forms.ModelForm):
    max_articles = 1
    music_url = forms.URLField(required=False, assume_scheme="https")
    hq_music_url = forms.URLField(required=False, assume_scheme="https")

    def clean(self):
        cleaned = super().clean()
        try:
            check_reply_content(
                {f: cleaned.get(f) for f in CONTENT_FIELDS}, max_articles=self.max_articles
            )
        except AppError as exc:
            raise ValidationError(exc.message) from exc
        return cleaned


class KeywordRuleForm(_ContentForm):
    class Meta:
        model = KeywordRule
        fields = [
            "account",
            "name",
            "pattern",
            "match",
            "priority",
            "active_from",
            "active_until",
            "is_active",
            *CONTENT_FIELDS,
        ]


class GreetingForm(_ContentForm):
    max_articles = 8

    class Meta:
        model = SubscribeGreeting
        fields = ["account", "scene", "is_active", *CONTENT_FIELDS]


class DefaultReplyForm(_ContentForm):
    class Meta:
        model = DefaultReply
        fields = ["account", "is_active", *CONTENT_FIELDS]


def _data(form):
    return {k: v for k, v in form.cleaned_data.items() if k != "account"}


@admin.register(KeywordRule)
class KeywordRuleAdmin(admin.ModelAdmin):
    form = KeywordRuleForm
    list_display = [
        "name",
        "account",
        "match",
        "pattern",
        "priority",
        "active_from",
        "active_until",
        "is_active",
    ]
    list_filter = ["account", "match", "is_active"]

    def save_model(self, request, obj, form, change):
        try:
            saved = do_save_keyword_rule(
                account=form.cleaned_data["account"],
                data=_data(form),
                actor=request.user,
                rule=obj if change else None,
            )
        except AppError as exc:
            raise ValidationError(exc.message) from exc
        obj.pk = saved.pk


@admin.register(SubscribeGreeting)
class SubscribeGreetingAdmin(admin.ModelAdmin):
    form = GreetingForm
    list_display = ["__str__", "account", "reply_type", "is_active"]
    list_filter = ["account"]

    def save_model(self, request, obj, form, change):
        data = _data(form)
        saved = do_save_greeting(
            account=form.cleaned_data["account"],
            scene=data.pop("scene", ""),
            data=data,
            actor=request.user,
        )
        obj.pk = saved.pk


@admin.register(DefaultReply)
class DefaultReplyAdmin(admin.ModelAdmin):
    form = type(
        "DefaultReplyForm",
        (_ContentForm,),
        {"Meta": type("Meta", (), {"model": DefaultReply, "fields": "__all__"})},
    )
    list_display = ["account", "reply_type", "is_active"]

    def save_model(self, request, obj, form, change):
        saved = do_save_default_reply(
            account=form.cleaned_data["account"], data=_data(form), actor=request.user
        )
        obj.pk = saved.pk
