"""The phone simulator (dev and demo only: mounted with the mock WeChat platform)."""

from django.urls import path

from . import views

app_name = "simulator"

urlpatterns = [
    path("", views.index, name="index"),
    path("browse/<slug:account_slug>", views.browse, name="browse"),
    path("api/accounts", views.accounts, name="accounts"),
    path("api/sms", views.sms_messages, name="sms"),
    path("api/<slug:account_slug>/users", views.users, name="users"),
    path("api/<slug:account_slug>/qrcodes", views.qrcodes, name="qrcodes"),
    path("api/<slug:account_slug>/users/<str:openid>", views.user_state, name="user"),
    path("api/<slug:account_slug>/users/<str:openid>/menu", views.menu, name="menu"),
    path("api/<slug:account_slug>/users/<str:openid>/messages", views.messages, name="messages"),
    path("api/<slug:account_slug>/users/<str:openid>/act", views.act, name="act"),
    path("api/<slug:account_slug>/users/<str:openid>/pay/<str:prepay_id>", views.pay, name="pay"),
]
