"""Back-office pages of the content app, under /office/accounts/<account_id>/content/."""

from django.urls import path  # noqa: F401

app_name = "office-content"

urlpatterns: list = []
