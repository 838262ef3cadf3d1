from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "weizheng.staff"
    label = "staff"
    verbose_name = _("Staff")

    def ready(self) -> None:
        from django.contrib import admin

        from .admin_site import OfficeAdminSite

        # The admin keeps its registrations; only who may enter changes (second factor).
        admin.site.__class__ = OfficeAdminSite

        from axes.signals import user_locked_out

        from . import signals

        user_locked_out.connect(signals.audit_lockout, dispatch_uid="staff-audit-lockout")
