"""Followers in the back office (the full back-office shell comes with the staff app)."""

from django.contrib import admin, messages
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from .actions import do_set_blacklisted
from .models import Follower, FollowerLocation, FollowerTag
from .selectors import follower_timeline, is_service_window_open


@admin.register(Follower)
class FollowerAdmin(admin.ModelAdmin):
    list_display = [
        "openid",
        "account",
        "is_subscribed",
        "subscribe_count",
        "last_scene",
        "language",
        "is_blacklisted",
    ]
    list_filter = ["account", "is_subscribed", "is_blacklisted", "language"]
    search_fields = ["openid", "remark"]
    actions = ["blacklist", "unblacklist"]
    readonly_fields = [f.name for f in Follower._meta.fields if f.name != "remark"] + [
        "service_window",
        "timeline",
    ]
    exclude = ["tags"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("48-hour customer-service window"))
    def service_window(self, obj):
        return (
            _("open")
            if is_service_window_open(account=obj.account, openid=obj.openid)
            else _("closed")
        )

    @admin.display(description=_("timeline"))
    def timeline(self, obj):
        rows = follower_timeline(account=obj.account, openid=obj.openid, limit=50)
        return format_html_join(
            "",
            "<div>{} · {} · {}</div>",
            (
                (
                    f"{r.received_at:%Y-%m-%d %H:%M:%S}",
                    r.kind,
                    r.fields.get("content") or r.event_key,
                )
                for r in rows
            ),
        )

    @admin.action(description=_("Blacklist: log their messages, do not answer"))
    def blacklist(self, request, queryset):
        for follower in queryset:
            do_set_blacklisted(follower=follower, is_blacklisted=True, actor=request.user)
        messages.success(
            request, _("%(count)d followers blacklisted.") % {"count": queryset.count()}
        )

    @admin.action(description=_("Remove from the blacklist"))
    def unblacklist(self, request, queryset):
        for follower in queryset:
            do_set_blacklisted(follower=follower, is_blacklisted=False, actor=request.user)
        messages.success(request, _("%(count)d followers restored.") % {"count": queryset.count()})


@admin.register(FollowerLocation)
class FollowerLocationAdmin(admin.ModelAdmin):
    list_display = [
        "recorded_at",
        "account",
        "follower",
        "latitude",
        "longitude",
        "label",
        "source",
    ]
    list_filter = ["account", "source"]


@admin.register(FollowerTag)
class FollowerTagAdmin(admin.ModelAdmin):
    list_display = ["name", "account", "wechat_id"]
    list_filter = ["account"]
