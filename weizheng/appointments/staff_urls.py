"""Back-office pages of the appointments app, under /office/accounts/<account_id>/appointments/."""

from django.urls import path

from . import staff_views as views

app_name = "office-appointments"

urlpatterns = [
    path("", views.index, name="index"),
    path("windows/new/", views.window_new, name="window-new"),
    path("windows/<int:window_id>/", views.window_edit, name="window-edit"),
    path("windows/<int:window_id>/queue/", views.queue, name="queue"),
    path("windows/<int:window_id>/queue/call/", views.call_next, name="call-next"),
    path("windows/<int:window_id>/close-day/", views.close_day, name="close-day"),
    path("windows/<int:window_id>/reopen-day/", views.reopen_day, name="reopen-day"),
    path(
        "windows/<int:window_id>/bookings/<int:booking_id>/check-in/",
        views.check_in,
        name="check-in",
    ),
    path(
        "windows/<int:window_id>/bookings/<int:booking_id>/finish/",
        views.finish,
        name="finish",
    ),
]
