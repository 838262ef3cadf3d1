"""Citizen H5 pages of the content app, under /h5/<account_slug>/."""

from django.urls import path  # noqa: F401

app_name = "content"

urlpatterns: list = []
