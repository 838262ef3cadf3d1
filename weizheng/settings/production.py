"""Production settings: everything from the environment, nothing defaulted that matters."""

from .base import *  # noqa: F403
from .base import WECHAT_MOCK_ENABLED, require_production_secrets

require_production_secrets()
if WECHAT_MOCK_ENABLED:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("The mock WeChat platform must not run in production.")
