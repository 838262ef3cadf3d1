from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InquiriesConfig(AppConfig):
    name = "weizheng.inquiries"
    label = "inquiries"
    verbose_name = _("Questions and complaints")

    def ready(self) -> None:
        from . import signals  # noqa: F401
