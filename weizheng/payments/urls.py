"""Citizen H5 pages of the payments app, under /h5/<account_slug>/pay/."""

from django.urls import URLPattern

app_name = "payments"

urlpatterns: list[URLPattern] = []
