"""Citizen H5 pages of the content app, under /h5/<account_slug>/. Public: no WeChat sign-in."""

from django.urls import path

from . import views

app_name = "content"

urlpatterns = [
    path("policies/", views.policy_list, name="policies"),
    path("policies/<int:item_id>/", views.policy, name="policy"),
    path("news/", views.news_list, name="news-list"),
    path("news/<int:item_id>/", views.news, name="news"),
    path("items/<int:item_id>/share/", views.share, name="share"),
    path("files/<int:attachment_id>/", views.attachment, name="attachment"),
    path("covers/<int:media_id>/", views.cover, name="cover"),
]
