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


@pytest.mark.django_db(transaction=True)
def test_a_persona_sees_only_the_texts_of_their_own_phones(mock_account):
    from weizheng.identity.testing import make_binding

    make_binding(account=mock_account, openid="oPersonaA0000000000000000001", phone="13800138000")
    gateway = SimulatorGateway()
    gateway.send("13800138000", "验证码 111111")
    gateway.send("13912345678", "验证码 222222")

    mine = Client().get(
        "/simulator/api/sms", {"account": "police", "openid": "oPersonaA0000000000000000001"}
    )
    nobody = Client().get("/simulator/api/sms", {"account": "police", "openid": "oNobody"})

    assert [m["text"] for m in mine.json()] == ["验证码 111111"]
    assert nobody.json() == []
    assert len(Client().get("/simulator/api/sms").json()) == 2  # no persona named: every phone


@pytest.mark.django_db(transaction=True)
def test_a_code_asked_for_before_binding_shows_for_the_persona_who_asked(mock_account, settings):
    from weizheng.identity import actions

    settings.NOTIFICATIONS_SMS_GATEWAY = "weizheng.simulator.sms.SimulatorGateway"
    identity = actions.check_identity(
        name="李娜", id_number="440304199003071512", phone="13912345678"
    )
    actions.check_send_code(account=mock_account, openid="oAsker", identity=identity)
    SimulatorGateway().send("13800138000", "someone else's code 999999")

    listed = Client().get("/simulator/api/sms", {"account": "police", "openid": "oAsker"}).json()

    assert [m["phone"] for m in listed] == ["139****5678"]


def test_the_single_article_card_never_appends_a_null():
    """append(null) writes the text "null": the card leaves a missing cover out instead."""
    from pathlib import Path

    script = (
        Path(__file__).resolve().parents[1] / "static" / "simulator" / "simulator.js"
    ).read_text()
    assert "first.pic_url ? coverNode(first, false) : null" not in script
    assert "if (first.pic_url) parts.push(coverNode(first, false));" in script
