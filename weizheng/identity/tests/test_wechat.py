"""The 绑定 / 实名 commands through the signed callback: a link to the binding page, or to my data
for a citizen already bound."""

from __future__ import annotations

import pytest
from django.test import Client

from weizheng.identity.testing import make_binding
from weizheng.wechat.protocol.xmlparse import parse_xml
from weizheng.wechat.testing import post_to_callback, text_xml

pytestmark = pytest.mark.django_db(transaction=True)

CITIZEN = "oBIND000000000000000000000001"
BASE = "https://wx.pingan.gov.cn"


@pytest.fixture(autouse=True)
def _quiet(monkeypatch, settings):
    monkeypatch.setattr(
        "weizheng.followers.actions._queue_profile_sync", lambda account_id, openid: None
    )
    settings.PUBLIC_BASE_URL = BASE + "/"


def send(account, text):
    response = post_to_callback(Client(), account, text_xml(account, CITIZEN, text))
    assert response.status_code == 200
    return parse_xml(response.content)


@pytest.mark.parametrize("command", ["绑定", "实名", "实名绑定", " 绑定 "])
def test_the_command_links_to_the_binding_page(plain_account, command):
    reply = send(plain_account, command)
    assert reply["MsgType"] == "text"
    assert f'<a href="{BASE}/h5/police/id/">' in reply["Content"]


def test_english_command(plain_account):
    reply = send(plain_account, "Bind")
    assert "Bind my real name" in reply["Content"]


def test_a_bound_citizen_gets_my_data_and_no_personal_data(plain_account):
    make_binding(account=plain_account, openid=CITIZEN, name="李娜")
    reply = send(plain_account, "绑定")
    assert f'<a href="{BASE}/h5/police/id/mine/">' in reply["Content"]
    for personal in ("李", "002X", "8000"):
        assert personal not in reply["Content"]


def test_without_a_public_address_the_reply_is_text(plain_account, settings):
    settings.PUBLIC_BASE_URL = ""
    reply = send(plain_account, "实名")
    assert "<a " not in reply["Content"] and reply["Content"]
