"""Citizen H5 pages of 微信问政, under /h5/<account_slug>/wenzheng/."""

from django.urls import URLPattern

app_name = "inquiries"

urlpatterns: list[URLPattern] = []
