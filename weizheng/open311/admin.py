"""Open311 clients in the admin: listed and revoked here; made with `manage.py open311_key_add`,
which is the only place a key is ever shown."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .actions import do_revoke_client
from .models import ApiClient


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ["name", "key_prefix", "is_active", "created_at", "revoked_at"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    readonly_fields = ["name", "key_prefix", "is_active", "created_at", "revoked_at", "accounts"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the selected clients' keys"))
    def revoke(self, request, queryset):
        for client in queryset.filter(is_active=True):
            do_revoke_client(name=client.name, actor_label=f"admin:{request.user.username}")
        self.message_user(request, _("The keys were revoked."), messages.SUCCESS)
