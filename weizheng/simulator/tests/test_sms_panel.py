"""The simulator's SMS gateway and panel: texts are kept with the phone masked, the newest per
phone is listed, and the page has the panel."""

from __future__ import annotations

import pytest
from django.test import Client

from weizheng.simulator.models import SimulatedSms
from weizheng.simulator.sms import SimulatorGateway

pytestmark = pytest.mark.django_db


def test_the_gateway_keeps_the_text_with_the_phone_masked():
    receipt = SimulatorGateway().send("13800138000", "验证码 123456")
    sms = SimulatedSms.objects.get()
    assert receipt == f"simulator-{sms.pk}"
    assert (sms.phone, sms.text) == ("138****8000", "验证码 123456")


def test_the_panel_lists_the_newest_text_of_each_phone():
    gateway = SimulatorGateway()
    gateway.send("13800138000", "验证码 111111")
    gateway.send("13912345678", "验证码 222222")
    gateway.send("13800138000", "验证码 333333")

    listed = Client().get("/simulator/api/sms").json()

    assert [(m["phone"], m["text"]) for m in listed] == [
        ("138****8000", "验证码 333333"),
        ("139****5678", "验证码 222222"),
    ]
    assert "13800138000" not in str(listed)


def test_old_texts_are_pruned(monkeypatch):
    monkeypatch.setattr("weizheng.simulator.sms.KEEP", 3)
    gateway = SimulatorGateway()
    for n in range(5):
        gateway.send("13800138000", f"text {n}")
    assert list(SimulatedSms.objects.values_list("text", flat=True)) == [
        "text 4",
        "text 3",
        "text 2",
    ]


def test_the_page_has_the_sms_panel():
    page = Client().get("/simulator/")
    assert b'data-test="sms"' in page.content and b"simulator/sms.js" in page.content
