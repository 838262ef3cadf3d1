"""Back-office pages of the menus app, under /office/accounts/<account_id>/menus/."""

from django.urls import path

from . import staff_views

app_name = "office-menus"

urlpatterns = [
    path("", staff_views.index, name="index"),
    path("new/", staff_views.new, name="new"),
    path("check/", staff_views.check, name="check"),
    path("unpublish/", staff_views.unpublish, name="unpublish"),
    path("<int:menu_id>/", staff_views.edit, name="edit"),
    path("<int:menu_id>/publish/", staff_views.publish, name="publish"),
    path("<int:menu_id>/delete/", staff_views.delete, name="delete"),
]
