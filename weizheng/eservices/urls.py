"""Citizen H5 pages of the eservices app, under /h5/<account_slug>/services/."""

from django.urls import path

from . import views

app_name = "eservices"

urlpatterns = [
    path("", views.home, name="home"),
    path("guides/", views.guide_list, name="guides"),
    path("guides/<int:guide_id>/", views.guide_detail, name="guide"),
]
