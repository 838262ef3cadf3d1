"""Back-office pages of the broadcasts app, under /office/accounts/<account_id>/broadcasts/."""

from django.urls import path

from . import staff_views

app_name = "office-broadcasts"

urlpatterns = [
    path("", staff_views.index, name="index"),
    path("new/", staff_views.new, name="new"),
    path("resume/", staff_views.resume, name="resume"),
    path("library/<int:media_id>/", staff_views.library_file, name="library-file"),
    path("<int:broadcast_id>/", staff_views.detail, name="detail"),
    path("<int:broadcast_id>/edit/", staff_views.edit, name="edit"),
    path("<int:broadcast_id>/progress/", staff_views.progress, name="progress"),
    path("<int:broadcast_id>/submit/", staff_views.submit, name="submit"),
    path("<int:broadcast_id>/approve/", staff_views.approve, name="approve"),
    path("<int:broadcast_id>/return/", staff_views.send_back, name="return"),
    path("<int:broadcast_id>/preview/", staff_views.preview, name="preview"),
    path("<int:broadcast_id>/cancel/", staff_views.cancel, name="cancel"),
    path("<int:broadcast_id>/delete/", staff_views.delete, name="delete"),
]
