from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MenusConfig(AppConfig):
    name = "weizheng.menus"
    label = "menus"
    verbose_name = _("Menus")
