"""Back-office pages of the identity app, under /office/accounts/<account_id>/identity/."""

from django.urls import URLPattern

app_name = "office-identity"

urlpatterns: list[URLPattern] = []
