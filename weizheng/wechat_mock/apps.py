from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WechatMockConfig(AppConfig):
    name = "weizheng.wechat_mock"
    label = "wechat_mock"
    verbose_name = _("Mock WeChat platform")
