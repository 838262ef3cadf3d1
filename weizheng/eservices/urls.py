"""Citizen H5 pages of the eservices app, under /h5/<account_slug>/services/."""

from django.urls import path

from . import views

app_name = "eservices"

urlpatterns = [
    path("", views.home, name="home"),
    path("guides/", views.guide_list, name="guides"),
    path("guides/<int:guide_id>/", views.guide_detail, name="guide"),
    path("guides/<int:guide_id>/apply/", views.apply, name="apply"),
    path("applications/", views.applications, name="applications"),
    path("applications/progress/", views.progress, name="progress"),
    path("applications/<int:application_id>/", views.application, name="application"),
    path("applications/<int:application_id>/edit/", views.edit, name="edit"),
    path("applications/<int:application_id>/receipt/", views.receipt, name="receipt"),
    path("applications/<int:application_id>/rate/", views.rate, name="rate"),
    path(
        "applications/<int:application_id>/files/<int:file_id>/",
        views.citizen_file,
        name="file",
    ),
]
