"""URLconf of the lean callback handler (wsgi.py): the callback and nothing else."""

from django.urls import path

from . import views

urlpatterns = [path("wx/<slug:slug>/", views.callback, name="wechat-callback")]
