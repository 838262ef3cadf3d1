"""Citizen H5 pages of the followers app, under /h5/<account_slug>/."""

from django.urls import path

from . import views

app_name = "followers"

urlpatterns = [
    path("me/", views.me, name="h5-me"),
]
