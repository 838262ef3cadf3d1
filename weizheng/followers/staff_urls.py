"""Back-office pages of the followers app, under /office/accounts/<account_id>/followers/."""

from django.urls import path

from . import staff_views

app_name = "office-followers"

urlpatterns = [
    path("", staff_views.follower_list, name="index"),
    path("<int:follower_id>/", staff_views.follower_detail, name="detail"),
    path("<int:follower_id>/blacklist/", staff_views.follower_blacklist, name="blacklist"),
    path("<int:follower_id>/tag/", staff_views.follower_tag, name="tag"),
    path("tags/", staff_views.tag_list, name="tags"),
]
