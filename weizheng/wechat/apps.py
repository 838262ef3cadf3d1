from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WechatConfig(AppConfig):
    name = "weizheng.wechat"
    label = "wechat"
    verbose_name = _("WeChat")

    def ready(self) -> None:
        # Each app declares its WeChat handlers in `wechat_handlers.py`; importing those modules
        # registers them with the router.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("wechat_handlers")
