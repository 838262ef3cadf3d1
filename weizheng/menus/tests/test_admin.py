"""The back office: menus are read there and published with an action; nothing is edited."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from weizheng.core.models import AuditLog
from weizheng.menus.actions import do_record_click, do_save_menu
from weizheng.menus.demo import police_demo_structure
from weizheng.menus.models import Menu, MenuButton, MenuStatus
from weizheng.staff.testing import login_staff
from weizheng.wechat.models import ApiCall

pytestmark = pytest.mark.django_db(transaction=True)

CHANGELIST = "/admin/menus/menu/"


@pytest.fixture
def admin_client(django_user_model):
    user = django_user_model.objects.create_superuser("admin", password="x")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_staff(client, user)
    return client


def publish(client, *menus):
    return client.post(
        CHANGELIST,
        {"action": "publish", "_selected_action": [m.pk for m in menus]},
        follow=True,
    )


def shown(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_publish_action_publishes_on_wechat(mock_account, admin_client):
    menu = do_save_menu(
        account=mock_account, structure=police_demo_structure(), actor=None, name="警务服务"
    )
    response = publish(admin_client, menu)
    assert response.status_code == 200
    assert shown(response) == ["The menu “警务服务” is published on WeChat."]
    menu.refresh_from_db()
    assert menu.status == MenuStatus.PUBLISHED
    assert AuditLog.objects.get(action="menus.publish").actor.username == "admin"


def test_the_publish_action_shows_each_problem(mock_account, admin_client):
    menu = Menu.objects.create(account=mock_account, name="旧菜单")
    MenuButton.objects.create(menu=menu, position=1, name="交通违法查询处理", type="click")
    response = publish(admin_client, menu)
    assert shown(response) == [
        "Menu “旧菜单”: The name of button 1 “交通违法查询处理” is 24 bytes long, more than the"
        " 16 bytes WeChat allows (a Chinese character counts as 3 bytes).",
        "Menu “旧菜单”: The key of button 1 “交通违法查询处理” is missing; a “click” button"
        " needs one.",
    ]
    assert not ApiCall.objects.exists()
    assert Menu.objects.get(pk=menu.pk).status == MenuStatus.DRAFT


def test_menus_and_click_counts_can_be_read_not_edited(plain_account, admin_client):
    menu = do_save_menu(
        account=plain_account, structure=police_demo_structure(), actor=None, name="警务服务"
    )
    do_record_click(account=plain_account, key="POLICE_CLAIM_PROGRESS", at=timezone.now())
    page = admin_client.get(f"{CHANGELIST}{menu.pk}/change/")
    assert page.status_code == 200
    assert "理赔进度" in page.content.decode()
    assert admin_client.get(CHANGELIST).status_code == 200
    assert admin_client.get("/admin/menus/menuclick/").status_code == 200
    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403
    assert admin_client.post(f"{CHANGELIST}{menu.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Menu.objects.filter(pk=menu.pk).exists()
