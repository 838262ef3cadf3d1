"""Back-office pages of the payments app, under /office/accounts/<account_id>/payments/."""

from django.urls import path

from . import staff_views

app_name = "office-payments"

urlpatterns = [
    path("", staff_views.orders, name="orders"),
    path("orders/<int:pk>/", staff_views.order_detail, name="order"),
    path("orders/<int:pk>/refund/", staff_views.refund, name="refund"),
    path("orders/<int:pk>/reversed/", staff_views.mark_reversed, name="reversed"),
    path("reconciliation/", staff_views.reconciliation, name="reconciliation"),
    path("reconciliation/run/", staff_views.reconcile, name="reconcile"),
    path("reconciliation/<int:pk>.csv", staff_views.reconciliation_csv, name="reconciliation-csv"),
    path("billers/", staff_views.billers, name="billers"),
    path("billers/new/", staff_views.biller_edit, name="biller-new"),
    path("billers/<int:pk>/", staff_views.biller_edit, name="biller"),
    path("billers/<int:pk>/toggle/", staff_views.biller_toggle, name="biller-toggle"),
]
