"""Mounted at /wxmock/ when settings.WECHAT_MOCK_ENABLED: WeChat's API at its real paths (so an
account's api_base_url can point here), the OAuth page, and the control API under _control/."""

from django.urls import path

from . import control_views, pay, views

app_name = "wechat_mock"

urlpatterns = [
    *(path(route, view, name=name) for route, view, name, _quota in views.ROUTES),
    *(path("pay/" + route, view, name=name) for route, view, name in pay.ROUTES),
    path("_control/pay/confirm", pay.control_confirm, name="control-pay-confirm"),
    path("_control/pay/orders/<str:prepay_id>", pay.control_order, name="control-pay-order"),
    path("connect/oauth2/authorize", views.oauth_authorize, name="oauth-authorize"),
    path("_control/apps", control_views.apps, name="control-apps"),
    path("_control/apps/<str:appid>", control_views.app_detail, name="control-app"),
    path("_control/apps/<str:appid>/users", control_views.users, name="control-users"),
    path(
        "_control/apps/<str:appid>/users/<str:openid>",
        control_views.user_detail,
        name="control-user",
    ),
    path(
        "_control/apps/<str:appid>/users/<str:openid>/<slug:action>",
        control_views.user_action,
        name="control-user-action",
    ),
    path("_control/apps/<str:appid>/qrcodes", control_views.qrcodes, name="control-qrcodes"),
    path("_control/apps/<str:appid>/menu", control_views.menu, name="control-menu"),
    path("_control/browse", control_views.browse, name="control-browse"),
    path("_control/apps/<str:appid>/delivered", control_views.delivered, name="control-delivered"),
    path(
        "_control/apps/<str:appid>/callbacks",
        control_views.recent_callbacks,
        name="control-callbacks",
    ),
    path(
        "_control/apps/<str:appid>/expire_token",
        control_views.expire_token,
        name="control-expire-token",
    ),
    path("_control/faults", control_views.faults, name="control-faults"),
    path("_control/flush_callbacks", control_views.flush, name="control-flush"),
    path("_control/media/<str:media_id>", control_views.media_download, name="media-download"),
]
