"""Replies to menu buttons that send a key: set in the back office, answered through the callback."""

from __future__ import annotations

import pytest
from django.test import Client

from weizheng.core.models import AuditLog
from weizheng.menus.actions import do_save_menu
from weizheng.menus.demo import police_demo_structure
from weizheng.menus.tests.test_staff_menus import signed_in, staff_world
from weizheng.replies.actions import do_save_button_reply
from weizheng.replies.models import ButtonReply
from weizheng.replies.selectors import forget
from weizheng.wechat.protocol.xmlparse import parse_xml
from weizheng.wechat.testing import event_xml, post_to_callback


@pytest.fixture
def world(plain_account, django_user_model):
    return staff_world(plain_account, django_user_model)


def url(account, path=""):
    return f"/office/accounts/{account.pk}/replies/{path}"


def text_reply(**extra):
    return {"reply_type": "text", "text": "交警支队地址：平安市人民路 88 号。", **extra}


@pytest.mark.django_db(transaction=True)
def test_a_tapped_button_gets_the_reply_set_for_its_key(plain_account):
    do_save_button_reply(account=plain_account, key="POLICE_CONTACT", data=text_reply(), actor=None)
    forget(plain_account.pk)
    response = post_to_callback(
        Client(),
        plain_account,
        event_xml(plain_account, "oCITIZEN1", "CLICK", EventKey="POLICE_CONTACT"),
    )
    assert parse_xml(response.content)["Content"] == "交警支队地址：平安市人民路 88 号。"
    other = post_to_callback(
        Client(),
        plain_account,
        event_xml(plain_account, "oCITIZEN1", "CLICK", EventKey="UNSET_KEY"),
    )
    assert other.content == b"success"  # no reply set: WeChat shows nothing


@pytest.mark.django_db
def test_an_editor_sets_a_reply_for_a_menu_key_the_list_suggests(world):
    police = world["police"]
    do_save_menu(account=police, structure=police_demo_structure(), actor=None, name="警务服务")
    client = signed_in(world["bob"])
    page = client.get(url(police)).content.decode()
    assert "POLICE_CONTACT" in page and "button-new" not in page  # suggested as a link
    assert "buttons/new/?key=POLICE_CONTACT" in page

    saved = client.post(
        url(police, "buttons/new/"), {"key": "POLICE_CONTACT", "is_active": "on", **text_reply()}
    )
    assert saved.status_code == 302
    reply = ButtonReply.objects.get(account=police, key="POLICE_CONTACT")
    assert reply.text.startswith("交警支队地址")
    assert AuditLog.objects.filter(action="replies.button.save", actor=world["bob"]).exists()
    assert "buttons/new/?key=POLICE_CONTACT" not in client.get(url(police)).content.decode()

    again = client.post(url(police, "buttons/new/"), {"key": "POLICE_CONTACT", **text_reply()})
    assert again.status_code == 200  # a second reply for the key is refused
    assert ButtonReply.objects.filter(account=police).count() == 1

    edited = client.post(
        url(police, f"buttons/{reply.pk}/"),
        {"key": "IGNORED", "is_active": "on", **text_reply(text="请拨打 0000-12345678。")},
    )
    assert edited.status_code == 302
    reply.refresh_from_db()
    assert (reply.key, reply.text) == ("POLICE_CONTACT", "请拨打 0000-12345678。")
    client.post(url(police, f"buttons/{reply.pk}/delete/"))
    assert not ButtonReply.objects.exists()


@pytest.mark.django_db
def test_an_empty_reply_is_refused_by_the_field(world):
    police = world["police"]
    client = signed_in(world["bob"])
    response = client.post(
        url(police, "buttons/new/"), {"key": "K1", "reply_type": "text", "text": ""}
    )
    assert response.status_code == 200
    assert not ButtonReply.objects.exists()


@pytest.mark.django_db
def test_another_departments_clerk_cannot_touch_button_replies(world):
    police = world["police"]
    reply = do_save_button_reply(
        account=police, key="POLICE_CONTACT", data=text_reply(), actor=None
    )
    before = AuditLog.objects.count()
    client = signed_in(world["carol"])
    assert client.get(url(police, f"buttons/{reply.pk}/")).status_code == 404
    assert client.post(url(police, f"buttons/{reply.pk}/delete/")).status_code == 404
    # Through her own account's URL, the police reply's id is unknown too.
    water = world["water"]
    assert client.post(url(water, f"buttons/{reply.pk}/delete/")).status_code == 404
    assert ButtonReply.objects.filter(pk=reply.pk).exists()
    assert AuditLog.objects.count() == before
