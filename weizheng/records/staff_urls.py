"""Back-office pages of the records app, under /office/accounts/<account_id>/records/."""

from django.urls import path

from . import staff_views

app_name = "office-records"

urlpatterns = [
    path("", staff_views.index, name="index"),
    path("<slug:code>/mode/", staff_views.set_mode, name="set-mode"),
    path("<slug:code>/http/", staff_views.http_edit, name="http"),
    path("<slug:code>/http/test/", staff_views.http_test, name="http-test"),
]
