"""Back-office pages of the notification service, under /office/accounts/<account_id>/notifications/."""

from django.urls import path

from . import staff_views

app_name = "office-notifications"

urlpatterns = [
    path("", staff_views.index, name="index"),
    path("lanes/resume/", staff_views.resume_lane, name="resume-lane"),
    path("templates/<str:kind>/", staff_views.template_edit, name="template"),
]
