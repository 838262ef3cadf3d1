"""Citizen H5 pages of the eservices app, under /h5/<account_slug>/."""

from django.urls import URLPattern

app_name = "eservices"

urlpatterns: list[URLPattern] = []
