"""Open311 GeoReport v2 over 微信问政, under /open311/v2/."""

from django.urls import URLPattern

app_name = "open311"

urlpatterns: list[URLPattern] = []
