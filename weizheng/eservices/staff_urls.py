"""Back-office pages of the eservices app, under /office/accounts/<account_id>/eservices/."""

from django.urls import URLPattern

app_name = "office-eservices"

urlpatterns: list[URLPattern] = []
