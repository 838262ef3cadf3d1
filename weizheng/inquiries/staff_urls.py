"""Back-office pages of 微信问政, under /office/accounts/<account_id>/inquiries/."""

from django.urls import path

from . import staff_views as views

app_name = "office-inquiries"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:inquiry_id>/", views.detail, name="detail"),
    path("<int:inquiry_id>/step/", views.step, name="step"),
    path("<int:inquiry_id>/contact/", views.reveal_contact, name="reveal-contact"),
    path("<int:inquiry_id>/media/<int:media_id>/", views.media_file, name="media"),
    path("extensions/<int:extension_id>/", views.decide_extension, name="decide-extension"),
    path("figures/", views.figures, name="figures"),
    path("settings/", views.settings_page, name="settings"),
]
