"""Citizen H5 pages of the records app, under /h5/<account_slug>/records/."""

from django.urls import path

from . import views

app_name = "records"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:code>/", views.query, name="query"),
]
