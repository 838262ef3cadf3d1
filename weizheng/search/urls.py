"""The citizen H5 search page, under /h5/<account_slug>/search/."""

from django.urls import path  # noqa: F401

app_name = "search"

urlpatterns: list = []
