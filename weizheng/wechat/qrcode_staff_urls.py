"""Back-office pages for an account's QR codes, under /office/accounts/<account_id>/qrcodes/."""

from django.urls import path

from . import staff_views

app_name = "office-qrcodes"

urlpatterns = [
    path("", staff_views.qrcode_list, name="index"),
    path("<int:qrcode_id>.png", staff_views.qrcode_png, name="png"),
]
