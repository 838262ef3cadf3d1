"""Citizen H5 pages of the payments app, under /h5/<account_slug>/pay/, and WeChat Pay's notify."""

from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("", views.index, name="index"),
    path("notify", views.notify, name="notify"),
    path("orders/<str:out_trade_no>/", views.pay, name="pay"),
    path("orders/<str:out_trade_no>/receipt", views.receipt, name="receipt"),
    path("orders/<str:out_trade_no>/cancel", views.cancel, name="cancel"),
    path("<slug:biller_code>/", views.lookup, name="lookup"),
    path("<slug:biller_code>/order", views.create_order, name="order"),
]
