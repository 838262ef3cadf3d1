"""The citizen H5 search page, under /h5/<account_slug>/search/."""

from django.urls import path

from . import views

app_name = "search"

urlpatterns = [
    path("", views.search_page, name="page"),
]
