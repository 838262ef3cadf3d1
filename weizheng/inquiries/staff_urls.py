"""Back-office pages of 微信问政, under /office/accounts/<account_id>/inquiries/."""

from django.urls import URLPattern

app_name = "office-inquiries"

urlpatterns: list[URLPattern] = []
