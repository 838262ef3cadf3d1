from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppointmentsConfig(AppConfig):
    name = "weizheng.appointments"
    label = "appointments"
    verbose_name = _("Appointments")

    def ready(self) -> None:
        # 预约 on the guide pages of eservices, without eservices importing this app.
        from weizheng.eservices.guide_actions import register

        from .links import guide_actions

        register(guide_actions)
