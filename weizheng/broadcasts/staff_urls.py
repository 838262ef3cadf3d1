"""Back-office pages of the broadcasts app, under /office/accounts/<account_id>/broadcasts/."""

from django.urls import path  # noqa: F401

app_name = "office-broadcasts"

urlpatterns: list = []
