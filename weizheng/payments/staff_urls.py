"""Back-office pages of the payments app, under /office/accounts/<account_id>/payments/."""

from django.urls import URLPattern

app_name = "office-payments"

urlpatterns: list[URLPattern] = []
