from django.contrib import admin

from .models import AuditLog


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
