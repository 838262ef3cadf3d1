"""Back-office pages of the notifications app, under /office/accounts/<account_id>/notifications/."""

from django.urls import path  # noqa: F401

app_name = "office-notifications"

urlpatterns: list = []
