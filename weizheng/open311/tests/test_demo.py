"""The Open311 demo (to be wired into demo_load after the inquiries demo): a hotline client with
the published key and two requests it filed, one answered; loading twice adds nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from weizheng.inquiries.models import Inquiry
from weizheng.open311 import demo
from weizheng.open311.selectors import client_for_key

pytestmark = pytest.mark.django_db


def test_the_demo_client_files_two_requests_once_and_its_key_works():
    call_command("demo_load", "--port", "8000")
    demo.load_demo()
    demo.load_demo()
    client = client_for_key(demo.DEMO_KEY)
    assert client is not None and client.name == "demo-hotline"
    filed = Inquiry.objects.filter(api_client="open311:demo-hotline").order_by("pk")
    assert [i.category.code for i in filed] == ["traffic", "city"]
    api = Client(HTTP_ACCEPT_LANGUAGE="en")
    answered = api.get(f"/open311/v2/requests/{filed[0].public_id}.json").json()[0]
    assert answered["status"] == "closed"
    assert answered["status_notes"].startswith("已调取路口流量数据")
    response = api.post(
        "/open311/v2/requests.json",
        {
            "api_key": demo.DEMO_KEY,
            "service_code": "city",
            "description": "路灯不亮",
            "address_string": "滨江大道16号",
        },
    )
    assert response.status_code == 200
    assert any("open311/v2/discovery.json" in line for line in demo.info_lines("http://x"))
