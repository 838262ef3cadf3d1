"""Citizen H5 pages of the identity app, under /h5/<account_slug>/."""

from django.urls import URLPattern

app_name = "identity"

urlpatterns: list[URLPattern] = []
