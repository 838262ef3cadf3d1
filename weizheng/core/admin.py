from django.contrib import admin

from .models import AuditLog


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Read-only: the audit log is written by actions, never edited by hand."""

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
