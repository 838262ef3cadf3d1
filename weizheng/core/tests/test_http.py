"""The client address the audit log records."""

from django.test import RequestFactory, override_settings

from weizheng.core.http import client_ip


def test_without_a_proxy_the_address_is_the_connections():
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "203.0.113.7"  # a header anyone can send is not believed


@override_settings(AXES_IPWARE_PROXY_COUNT=1)
def test_behind_one_proxy_the_address_is_the_one_it_appended():
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7"
    )
    assert client_ip(request) == "203.0.113.7"  # not the forged entry the client put first
    bare = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2")
    assert client_ip(bare) == "10.0.0.2"
