"""Open311 GeoReport v2 over 微信问政, under /open311/v2/: every resource takes .json or .xml."""

from django.urls import re_path

from . import views

app_name = "open311"

FMT = r"\.(?P<fmt>[A-Za-z0-9]{1,10})$"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.services, name="services"),
    re_path(r"^services/(?P<code>[-\w]{1,40})" + FMT, views.service_definition, name="service"),
    re_path(r"^requests" + FMT, views.requests, name="requests"),
    re_path(r"^requests/(?P<public_id>[-\w]{1,40})" + FMT, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token_id>[-\w]{1,40})" + FMT, views.token, name="token"),
]
