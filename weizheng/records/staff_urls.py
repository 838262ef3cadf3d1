"""Back-office pages of the records app, under /office/accounts/<account_id>/records/."""

from django.urls import URLPattern

app_name = "office-records"

urlpatterns: list[URLPattern] = []
