"""The project's URLs plus the demo's fake backend, as weizheng/urls.py mounts it in the demo."""

from django.urls import include, path

from weizheng.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    *project_urlpatterns,
    path("fake-backend/records/", include("weizheng.records.fake_backend")),
]
