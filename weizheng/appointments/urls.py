"""Citizen H5 pages of the appointments app, under /h5/<account_slug>/appointments/."""

from django.urls import URLPattern

app_name = "appointments"

urlpatterns: list[URLPattern] = []
