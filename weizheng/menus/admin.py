"""Menus in the back office, read-only until the menu editor arrives with the staff shell.

Menus change only through the actions (validated, audited); here they can be read and published.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from weizheng.core.errors import AppError

from .actions import do_publish_menu
from .models import Menu, MenuButton, MenuClick


class MenuButtonInline(admin.TabularInline):
    model = MenuButton
    fk_name = "menu"
    fields = ("parent", "position", "name", "type", "key", "url", "media_id", "article_id")
    readonly_fields = fields
    ordering = ["parent_id", "position"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Menu)
class MenuAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "account",
        "is_conditional",
        "tag",
        "client_platform",
        "status",
        "published_at",
        "last_publish_error",
    ]
    list_filter = ["account", "status", "is_conditional"]
    search_fields = ["name"]
    readonly_fields = [f.name for f in Menu._meta.fields]
    inlines = [MenuButtonInline]
    actions = ["publish"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting a published menu here would leave it on WeChat with no record of it.
        return False

    @admin.action(description=_("Publish to WeChat"), permissions=["change"])
    def publish(self, request, queryset):
        for menu in queryset.select_related("account", "tag").order_by("is_conditional", "pk"):
            try:
                do_publish_menu(menu=menu, actor=request.user)
            except AppError as error:
                problems = error.extra.get("problems")
                if problems:
                    for problem in problems:
                        messages.error(
                            request,
                            _("Menu “%(name)s”: %(problem)s")
                            % {"name": menu.name, "problem": problem["message"]},
                        )
                else:
                    messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    _("The menu “%(name)s” is published on WeChat.") % {"name": menu.name},
                )


@admin.register(MenuClick)
class MenuClickAdmin(admin.ModelAdmin):
    list_display = ["day", "account", "key", "count"]
    list_filter = ["account", "day"]
    search_fields = ["key"]
    readonly_fields = ["account", "key", "day", "count"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
