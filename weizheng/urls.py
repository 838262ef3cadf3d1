from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from weizheng.core import views as core_views
from weizheng.wechat import views as wechat_views

urlpatterns = [
    path("wx/<slug:slug>/", wechat_views.callback, name="wechat-callback"),
    path("office/", include("weizheng.staff.urls")),
    # Each app's back-office pages about one account (navigation: weizheng/staff/navigation.py).
    *(
        path(f"office/accounts/<int:account_id>/{app}/", include(f"weizheng.{app}.staff_urls"))
        for app in (
            "followers",
            "menus",
            "replies",
            "content",
            "notifications",
            "broadcasts",
            "identity",
            "eservices",
            "records",
            "appointments",
            "payments",
            "inquiries",
        )
    ),
    path("office/accounts/<int:account_id>/qrcodes/", include("weizheng.wechat.qrcode_staff_urls")),
    path("h5/<slug:account_slug>/", include("weizheng.followers.urls")),
    path("h5/<slug:account_slug>/", include("weizheng.content.urls")),
    path("h5/<slug:account_slug>/search/", include("weizheng.search.urls")),
    path("h5/<slug:account_slug>/id/", include("weizheng.identity.urls")),
    path("h5/<slug:account_slug>/services/", include("weizheng.eservices.urls")),
    path("h5/<slug:account_slug>/records/", include("weizheng.records.urls")),
    path("h5/<slug:account_slug>/appointments/", include("weizheng.appointments.urls")),
    path("h5/<slug:account_slug>/pay/", include("weizheng.payments.urls")),
    path("h5/<slug:account_slug>/wenzheng/", include("weizheng.inquiries.urls")),
    path("open311/v2/", include("weizheng.open311.urls")),
    path("admin/", admin.site.urls),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
]

if settings.WECHAT_MOCK_ENABLED:
    # The mock WeChat platform (dev, demo, tests). Production settings refuse to enable it.
    urlpatterns += [
        path("wxmock/", include("weizheng.wechat_mock.urls")),
        path("simulator/", include("weizheng.simulator.urls")),
        # A stand-in for an agency's records backend, called by the demo's generic HTTP connector.
        path("fake-backend/records/", include("weizheng.records.fake_backend")),
    ]
