from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContentConfig(AppConfig):
    name = "weizheng.content"
    label = "content"
    verbose_name = _("Policies and news")
