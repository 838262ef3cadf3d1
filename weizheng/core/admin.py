from django import forms
from django.contrib import admin
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from .errors import AppError
from .models import AuditLog, Holiday
from .workdays import check_holiday, do_delete_holidays, do_save_holiday


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Read-only: the audit log is written by actions, never edited by hand. A department's
    administrators see the entries of their accounts; platform operators see everything."""

    def get_queryset(self, request):
        from weizheng.staff.selectors import accounts_for

        entries = super().get_queryset(request)
        if request.user.is_superuser:
            return entries
        return entries.filter(account__in=accounts_for(request.user, "audit.view"))

    def has_module_permission(self, request):
        from weizheng.staff.selectors import accounts_for

        return request.user.is_staff and (
            request.user.is_superuser or accounts_for(request.user, "audit.view").exists()
        )

    def has_view_permission(self, request, obj=None):
        if not self.has_module_permission(request):
            return False
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    list_display = [
        "created_at",
        "action",
        "actor",
        "actor_label",
        "account",
        "target_type",
        "target_id",
    ]
    list_filter = ["action", "account"]
    search_fields = ["action", "target_id", "actor_label"]
    readonly_fields = [f.name for f in AuditLog._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class HolidayForm(forms.ModelForm):
    """Checked by the same rule as the command (a make-up working day is a weekend day)."""

    class Meta:
        model = Holiday
        fields = ["date", "kind", "name"]

    def clean(self):
        cleaned = super().clean()
        day, kind = cleaned.get("date"), cleaned.get("kind")
        if day and kind:
            try:
                cleaned["name"] = check_holiday(day=day, kind=kind, name=cleaned.get("name", ""))
            except AppError as error:
                field = error.extra.get("field")
                self.add_error(field if field in self.fields else None, error.message)
        return cleaned


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """The deployment-wide working-day calendar: superusers only. Saves and deletions go through
    weizheng.core.workdays (audited, and the cached calendar is dropped for every process)."""

    form = HolidayForm
    list_display = ["date", "weekday", "kind", "name"]
    list_filter = ["kind", ("date", admin.DateFieldListFilter)]
    date_hierarchy = "date"
    search_fields = ["name"]
    ordering = ["date"]

    @admin.display(description=_("weekday"))
    def weekday(self, obj):
        return date_format(obj.date, "l")

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def save_model(self, request, obj, form, change):
        if change and "date" in form.changed_data:
            # The day moved: the old day is no longer an exception.
            old = Holiday.objects.get(pk=obj.pk).date
            do_delete_holidays(days=[old], actor=request.user)
        saved = do_save_holiday(day=obj.date, kind=obj.kind, name=obj.name, actor=request.user)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        do_delete_holidays(days=[obj.date], actor=request.user)

    def delete_queryset(self, request, queryset):
        do_delete_holidays(days=list(queryset.values_list("date", flat=True)), actor=request.user)
