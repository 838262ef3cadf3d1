"""Citizen H5 pages of the records app, under /h5/<account_slug>/."""

from django.urls import URLPattern

app_name = "records"

urlpatterns: list[URLPattern] = []
