"""The back office, under /office/."""

from django.urls import path

from . import views

app_name = "staff"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("login/verify/", views.otp_verify, name="otp-verify"),
    path("login/setup/", views.otp_setup, name="otp-setup"),
    path("logout/", views.logout_view, name="logout"),
    path("security/", views.security, name="security"),
    path("audit/", views.audit_log, name="audit"),
    path("accounts/<int:account_id>/", views.account_overview, name="account"),
    path("accounts/<int:account_id>/audit/", views.account_audit_log, name="account-audit"),
    path("accounts/<int:account_id>/settings/", views.account_settings, name="account-settings"),
]
