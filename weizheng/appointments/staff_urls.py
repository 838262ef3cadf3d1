"""Back-office pages of the appointments app, under /office/accounts/<account_id>/appointments/."""

from django.urls import URLPattern

app_name = "office-appointments"

urlpatterns: list[URLPattern] = []
