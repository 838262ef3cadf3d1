"""Back-office editing of official accounts (the full back-office shell comes with staff/)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from weizheng.staff.selectors import accounts_for, can

from .actions import check_account_fields, do_create_account, do_update_account
from .models import ApiCall, InboundMessage, OfficialAccount, RejectedRequestCount


class OfficialAccountForm(forms.ModelForm):
    app_secret = forms.CharField(
        label=_("AppSecret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the current secret."),
    )

    class Meta:
        model = OfficialAccount
        fields = [
            "name",
            "slug",
            "app_id",
            "app_secret",
            "token",
            "encoding_aes_key",
            "message_mode",
            "default_language",
            "api_base_url",
            "is_active",
        ]

    api_base_url = forms.URLField(label=_("API base URL"), assume_scheme="https")

    def clean_app_secret(self):
        secret = self.cleaned_data.get("app_secret", "")
        if not secret and not self.instance.pk:
            raise ValidationError(_("A new account needs its AppSecret."))
        # Empty on an edit means "keep the current secret" (it is never shown back).
        return secret or self.instance.app_secret

    def clean(self):
        cleaned = super().clean()
        try:
            check_account_fields(
                message_mode=cleaned.get("message_mode", ""),
                encoding_aes_key=cleaned.get("encoding_aes_key", ""),
                app_id=cleaned.get("app_id", ""),
                token=cleaned.get("token", ""),
            )
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        return cleaned


@admin.register(OfficialAccount)
class OfficialAccountAdmin(admin.ModelAdmin):
    """Scoped by department: a clerk sees the accounts their departments run, and changes only
    those where a role grants account.manage (staff/permissions.py)."""

    form = OfficialAccountForm
    list_display = ["name", "slug", "app_id", "message_mode", "default_language", "is_active"]
    search_fields = ["name", "slug", "app_id"]

    def get_queryset(self, request):
        return accounts_for(request.user, "account.view")

    def has_module_permission(self, request):
        return request.user.is_staff and accounts_for(request.user, "account.view").exists()

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return self.has_module_permission(request)
        return can(request.user, "account.view", obj)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return accounts_for(request.user, "account.manage").exists()
        return can(request.user, "account.manage", obj)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        data = dict(form.cleaned_data)
        if change:
            changes = {k: v for k, v in data.items() if k in form.changed_data}
            if not form.data.get("app_secret"):
                changes.pop("app_secret", None)
            do_update_account(account=obj, changes=changes, actor=request.user)
        else:
            created = do_create_account(
                slug=data["slug"],
                name=data["name"],
                app_id=data["app_id"],
                app_secret=data["app_secret"],
                token=data["token"],
                encoding_aes_key=data.get("encoding_aes_key", ""),
                message_mode=data["message_mode"],
                default_language=data["default_language"],
                api_base_url=data.get("api_base_url"),
                actor=request.user,
            )
            obj.pk = created.pk


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ["received_at", "account", "kind", "openid", "status"]
    list_filter = ["account", "kind", "status"]
    search_fields = ["openid", "msg_id"]
    readonly_fields = [f.name for f in InboundMessage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RejectedRequestCount)
class RejectedRequestCountAdmin(admin.ModelAdmin):
    list_display = ["day", "account", "reason", "count"]
    list_filter = ["reason", "account"]


@admin.register(ApiCall)
class ApiCallAdmin(admin.ModelAdmin):
    list_display = [
        "started_at",
        "account",
        "api",
        "http_status",
        "errcode",
        "duration_ms",
        "attempt",
    ]
    list_filter = ["account", "api", "errcode"]
