from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "weizheng.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # Every app's notification kinds (weizheng/<app>/notification_kinds.py).
        autodiscover_modules("notification_kinds")
