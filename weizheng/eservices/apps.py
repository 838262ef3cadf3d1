from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EservicesConfig(AppConfig):
    name = "weizheng.eservices"
    label = "eservices"
    verbose_name = _("Online services")
