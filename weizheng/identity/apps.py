from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "weizheng.identity"
    label = "identity"
    verbose_name = _("Real-name binding")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # Each app's personal_data.py registers what it holds about a citizen ("My data").
        autodiscover_modules("personal_data")
