"""Citizen H5 pages of 微信问政, under /h5/<account_slug>/wenzheng/."""

from django.urls import path

from . import views

app_name = "inquiries"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.new, name="new"),
    path("mine/", views.mine, name="mine"),
    path("r/<str:public_id>/", views.detail, name="detail"),
    path("r/<str:public_id>/rate/", views.rate, name="rate"),
    path("r/<str:public_id>/reopen/", views.reopen, name="reopen"),
    path("board/", views.board, name="board"),
    path("board/<str:public_id>/", views.board_item, name="board-item"),
]
