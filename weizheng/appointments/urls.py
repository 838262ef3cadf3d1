"""Citizen H5 pages of the appointments app, under /h5/<account_slug>/appointments/."""

from django.urls import path

from . import views

app_name = "appointments"

urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("w/<int:window_id>/", views.window, name="window"),
    path("w/<int:window_id>/day/<str:day>/", views.day, name="day"),
    path("w/<int:window_id>/slot/<int:slot_id>/", views.confirm, name="confirm"),
    path("b/<str:code>/", views.booking, name="booking"),
    path("b/<str:code>/cancel/", views.cancel, name="cancel"),
    path("b/<str:code>/check-in/", views.check_in, name="check-in"),
    path("b/<str:code>/reschedule/", views.reschedule, name="reschedule"),
]
