"""Citizen H5 pages of the identity app, under /h5/<account_slug>/id/."""

from django.urls import path

from . import views

app_name = "identity"

urlpatterns = [
    path("", views.start, name="start"),
    path("form/", views.form, name="form"),
    path("done/", views.done, name="done"),
    path("mine/", views.mine, name="mine"),
    path("unbind/", views.unbind, name="unbind"),
]
