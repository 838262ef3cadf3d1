"""Back-office pages of the identity app, under /office/accounts/<account_id>/identity/."""

from django.urls import path

from . import staff_views

app_name = "office-identity"

urlpatterns = [
    path("", staff_views.index, name="index"),
    path("<int:binding_id>/unbind/", staff_views.unbind, name="unbind"),
]
