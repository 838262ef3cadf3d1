"""The back-office menu pages: the list with click counts, the editor, publication, and
per-department scoping. Personas: alice administers the police department, bob edits for it,
carol administers the water department."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from conftest import make_account
from weizheng.core.models import AuditLog
from weizheng.followers.models import FollowerTag
from weizheng.menus.actions import do_publish_menu, do_record_click, do_save_menu
from weizheng.menus.demo import police_demo_structure
from weizheng.menus.models import ClientPlatform, Menu, MenuButton, MenuStatus
from weizheng.menus.selectors import menu_structure
from weizheng.staff.models import Department, Membership, Role
from weizheng.staff.testing import login_staff
from weizheng.wechat.client import client_for
from weizheng.wechat.models import ApiCall

ELDERLY = {"button": [{"type": "click", "name": "老年人专区", "key": "ELDERLY"}]}


def staff_world(police, django_user_model):
    water = make_account(
        "water", mode="plain", app_id="wx7c2e9a4b1d3f5e80", token="watertoken", name="平安水务集团"
    )
    police_department = Department.objects.create(name="平安市公安局交警支队")
    police_department.accounts.add(police)
    water_department = Department.objects.create(name="平安水务集团客服中心")
    water_department.accounts.add(water)
    people = {}
    for username, department, role in (
        ("alice", police_department, Role.ADMINISTRATOR),
        ("bob", police_department, Role.EDITOR),
        ("carol", water_department, Role.ADMINISTRATOR),
    ):
        people[username] = django_user_model.objects.create_user(
            username, password=f"pw-{username}-123456", is_staff=True
        )
        Membership.objects.create(user=people[username], department=department, role=role)
    return {"police": police, "water": water, **people}


@pytest.fixture
def world(plain_account, django_user_model):
    return staff_world(plain_account, django_user_model)


@pytest.fixture
def mock_world(mock_account, django_user_model):
    return staff_world(mock_account, django_user_model)


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_staff(client, user)
    return client


def url(account, path=""):
    return f"/office/accounts/{account.pk}/menus/{path}"


def editor_data(structure, *, name="警务服务", **extra):
    """The editor's form fields for WeChat's menu JSON."""
    data = {"name": name, "kind": "default", **extra}
    for b, button in enumerate(structure["button"], start=1):
        subs = button.get("sub_button") or []
        for field, value in button.items():
            if field != "sub_button":
                data[f"b{b}-{field}"] = value
        for s, sub in enumerate(subs, start=1):
            for field, value in sub.items():
                data[f"b{b}s{s}-{field}"] = value
    return data


def menu_audit_count():
    return AuditLog.objects.filter(action__startswith="menus.").count()


# --- saving ------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_an_editor_saves_a_menu_from_the_editor(world):
    bob = signed_in(world["bob"])
    assert bob.get(url(world["police"], "new/")).status_code == 200

    response = bob.post(url(world["police"], "new/"), editor_data(police_demo_structure()))

    menu = Menu.objects.get()
    assert response.status_code == 302 and response["Location"] == url(
        world["police"], f"{menu.pk}/"
    )
    assert menu.status == MenuStatus.DRAFT and menu.name == "警务服务"
    assert menu_structure(menu=menu) == police_demo_structure()
    saved = AuditLog.objects.get(action="menus.save")
    assert saved.actor == world["bob"] and saved.account == world["police"]


@pytest.mark.django_db
def test_the_editor_shows_the_menu_and_its_phone_preview(world):
    menu = do_save_menu(
        account=world["police"], structure=police_demo_structure(), actor=None, name="警务服务"
    )
    page = signed_in(world["bob"]).get(url(world["police"], f"{menu.pk}/"))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="phone-preview"' in body
    assert 'value="POLICE_CLAIM_PROGRESS"' in body
    assert "menus/editor.js" in body and 'id="menu-editor-config"' in body


@pytest.mark.django_db
def test_saving_over_a_draft_replaces_its_buttons(world):
    menu = do_save_menu(
        account=world["police"], structure=police_demo_structure(), actor=None, name="警务服务"
    )
    response = signed_in(world["bob"]).post(
        url(world["police"], f"{menu.pk}/"), editor_data(ELDERLY, name="简版")
    )
    assert response.status_code == 302
    menu.refresh_from_db()
    assert menu.name == "简版"
    assert menu_structure(menu=menu) == ELDERLY


@pytest.mark.django_db
def test_gaps_between_slots_and_fields_of_another_type_are_left_out(world):
    data = {
        "name": "简版",
        "kind": "default",
        "b2-name": "办事",
        "b2s2-name": "违法查询",
        "b2s2-type": "click",
        "b2s2-key": "VIOLATIONS",
        "b2s2-url": "https://left.over/",  # typed before the type was changed to click
        "b2s4-name": "指南",
        "b2s4-type": "view",
        "b2s4-url": "https://demo.weizheng.gov.cn/h5/guides/",
        "b2-type": "click",  # a button with sub-buttons has no type of its own
    }
    signed_in(world["bob"]).post(url(world["police"], "new/"), data)
    assert menu_structure(menu=Menu.objects.get()) == {
        "button": [
            {
                "name": "办事",
                "sub_button": [
                    {"type": "click", "name": "违法查询", "key": "VIOLATIONS"},
                    {
                        "type": "view",
                        "name": "指南",
                        "url": "https://demo.weizheng.gov.cn/h5/guides/",
                    },
                ],
            }
        ]
    }


@pytest.mark.django_db
def test_a_conditional_menu_is_saved_for_a_tag(world):
    police = world["police"]
    elders = FollowerTag.objects.create(account=police, name="老年人", wechat_id=101)
    FollowerTag.objects.create(account=police, name="未同步")  # no WeChat id: not offered
    bob = signed_in(world["bob"])
    page = bob.get(url(police, "new/?conditional=1")).content.decode()
    assert "老年人" in page and "未同步" not in page

    bob.post(
        url(police, "new/"),
        editor_data(
            ELDERLY, name="老年人菜单", kind="conditional", tag=elders.pk, client_platform="android"
        ),
    )
    menu = Menu.objects.get()
    assert menu.is_conditional
    assert (menu.tag, menu.client_platform) == (elders, ClientPlatform.ANDROID)
    assert menu_structure(menu=menu)["matchrule"] == {"tag_id": "101", "client_platform_type": "2"}


@pytest.mark.django_db
def test_a_conditional_menu_without_a_match_rule_is_refused_at_the_tag(world):
    response = signed_in(world["bob"]).post(
        url(world["police"], "new/"), editor_data(ELDERLY, kind="conditional")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["tag"] == [
        "A conditional menu needs a match rule: a tag, a client platform or both."
    ]
    assert not Menu.objects.exists()


# --- limits ------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_menu_over_the_limits_is_refused_with_the_rule_next_to_the_field(world):
    structure = police_demo_structure()
    structure["button"][0]["name"] = "快撤理赔快撤理赔"
    structure["button"][2]["sub_button"][1]["key"] = "POLICE_TRAFFIC"
    before = menu_audit_count()

    response = signed_in(world["bob"]).post(url(world["police"], "new/"), editor_data(structure))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["b1-name"] == [
        "The name of button 1 “快撤理赔快撤理赔” is 24 bytes long, more than the 16 bytes WeChat"
        " allows (a Chinese character counts as 3 bytes)."
    ]
    assert errors["b3s2-key"] == [
        "The key “POLICE_TRAFFIC” of sub-button 2 “报警求助” of button 3 is already used by"
        " sub-button 1 “交通路况” of button 3; each key may be used once in a menu."
    ]
    assert "is 24 bytes long" in response.content.decode()
    assert not Menu.objects.exists() and not MenuButton.objects.exists()
    assert menu_audit_count() == before


@pytest.mark.django_db
def test_a_link_outside_the_accounts_domains_is_refused(world):
    police = world["police"]
    police.menu_url_domains = ["gaj.pingan.gov.cn"]
    police.save(update_fields=["menu_url_domains"])
    structure = {
        "button": [{"type": "view", "name": "指南", "url": "https://evil.example.com/guides"}]
    }
    response = signed_in(world["bob"]).post(url(police, "new/"), editor_data(structure))
    assert response.context["form"].errors["b1-url"] == [
        "The URL of button 1 “指南” leads to evil.example.com, which is not one of the account's"
        " allowed domains (gaj.pingan.gov.cn)."
    ]
    assert not Menu.objects.exists()


@pytest.mark.django_db
def test_the_live_check_names_each_broken_rule_by_field_and_saves_nothing(world):
    structure = {
        "button": [
            {"type": "click", "name": "一二三四五六", "key": "A"},
            {"type": "view", "name": "链接", "url": "ftp://files.example.com/"},
        ]
    }
    response = signed_in(world["bob"]).post(url(world["police"], "check/"), editor_data(structure))
    answer = response.json()
    assert answer["is_valid"] is False
    assert set(answer["errors"]) == {"b1-name", "b2-url"}
    assert answer["errors"]["b2-url"] == [
        "The URL of button 2 “链接” must be a web address starting with http:// or https://."
    ]
    ok = signed_in(world["bob"]).post(url(world["police"], "check/"), editor_data(ELDERLY))
    assert ok.json() == {"is_valid": True, "errors": {}}
    assert not Menu.objects.exists()
    assert not AuditLog.objects.filter(action__startswith="menus.").exists()


# --- publishing (the mock WeChat platform, over HTTP) ------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_an_administrator_saves_and_publishes_to_wechat(mock_world):
    police = mock_world["police"]
    response = signed_in(mock_world["alice"]).post(
        url(police, "new/"), {**editor_data(police_demo_structure()), "action": "publish"}
    )
    menu = Menu.objects.get()
    assert response.status_code == 302
    assert menu.status == MenuStatus.PUBLISHED and menu.published_at is not None
    on_wechat = client_for(police).menu.get()["menu"]["button"]
    assert [button["name"] for button in on_wechat] == ["快撤理赔", "服务事项", "便民指南"]
    assert AuditLog.objects.get(action="menus.publish").actor == mock_world["alice"]


@pytest.mark.django_db(transaction=True)
def test_the_publish_button_publishes_a_draft(mock_world):
    police = mock_world["police"]
    menu = do_save_menu(
        account=police, structure=police_demo_structure(), actor=None, name="警务服务"
    )
    response = signed_in(mock_world["alice"]).post(url(police, f"{menu.pk}/publish/"), follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "The menu “警务服务” is published on WeChat."
    ]
    menu.refresh_from_db()
    assert menu.status == MenuStatus.PUBLISHED


@pytest.mark.django_db(transaction=True)
def test_a_menu_over_the_limits_never_reaches_the_api(mock_world):
    police = mock_world["police"]
    structure = police_demo_structure()
    structure["button"][2]["sub_button"][0]["name"] = "交" * 21  # 63 bytes
    response = signed_in(mock_world["alice"]).post(
        url(police, "new/"), {**editor_data(structure), "action": "publish"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["b3s1-name"] == [
        f"The name of sub-button 1 “{'交' * 21}” of button 3 is 63 bytes long, more than the 60"
        " bytes WeChat allows (a Chinese character counts as 3 bytes)."
    ]
    assert not ApiCall.objects.filter(account=police).exists()
    assert not Menu.objects.exists()

    # A stored menu that breaks a rule (older, or imported) is refused by the publish button too.
    old = Menu.objects.create(account=police, name="旧菜单")
    MenuButton.objects.create(menu=old, position=1, name="交通违法查询处理", type="click", key="K")
    page = signed_in(mock_world["alice"]).post(url(police, f"{old.pk}/publish/"), follow=True)
    assert [str(m) for m in page.context["messages"]] == [
        "Menu “旧菜单”: The name of button 1 “交通违法查询处理” is 24 bytes long, more than the 16"
        " bytes WeChat allows (a Chinese character counts as 3 bytes)."
    ]
    assert not ApiCall.objects.filter(account=police).exists()
    assert Menu.objects.get(pk=old.pk).status == MenuStatus.DRAFT


@pytest.mark.django_db(transaction=True)
def test_taking_the_menus_off_wechat(mock_world):
    police = mock_world["police"]
    menu = do_save_menu(
        account=police, structure=police_demo_structure(), actor=None, name="警务服务"
    )
    do_publish_menu(menu=menu, actor=None)
    signed_in(mock_world["alice"]).post(url(police, "unpublish/"))
    assert client_for(police).menu.get() is None
    assert Menu.objects.get(pk=menu.pk).status == MenuStatus.DRAFT
    assert AuditLog.objects.get(action="menus.delete_published").actor == mock_world["alice"]


# --- permissions -------------------------------------------------------------------------------
@pytest.mark.django_db
def test_an_editor_without_menu_publish_is_refused_and_nothing_changes(world):
    police = world["police"]
    menu = do_save_menu(
        account=police, structure=police_demo_structure(), actor=None, name="警务服务"
    )
    before = menu_audit_count()
    bob = signed_in(world["bob"])

    assert bob.post(url(police, f"{menu.pk}/publish/")).status_code == 403
    assert bob.post(url(police, "unpublish/")).status_code == 403
    save_and_publish = bob.post(
        url(police, f"{menu.pk}/"), {**editor_data(ELDERLY, name="改"), "action": "publish"}
    )
    assert save_and_publish.status_code == 403
    page = bob.get(url(police, f"{menu.pk}/")).content.decode()
    assert 'data-testid="save-publish"' not in page and 'data-testid="publish"' not in page

    menu.refresh_from_db()
    assert menu.status == MenuStatus.DRAFT and menu.name == "警务服务"
    assert menu_structure(menu=menu) == police_demo_structure()
    assert menu_audit_count() == before
    assert not ApiCall.objects.exists()


@pytest.mark.django_db
def test_a_clerk_of_another_department_gets_404_and_changes_nothing(world):
    police = world["police"]
    menu = do_save_menu(
        account=police, structure=police_demo_structure(), actor=None, name="警务服务"
    )
    audit_rows = AuditLog.objects.count()
    carol = signed_in(world["carol"])

    for path in ("", "new/", f"{menu.pk}/"):
        assert carol.get(url(police, path)).status_code == 404, path
    attempts = {
        "new/": editor_data(ELDERLY, name="篡改"),
        f"{menu.pk}/": editor_data(ELDERLY, name="篡改"),
        "check/": editor_data(ELDERLY),
        f"{menu.pk}/publish/": {},
        f"{menu.pk}/delete/": {},
        "unpublish/": {},
    }
    for path, data in attempts.items():
        assert carol.post(url(police, path), data).status_code == 404, path

    assert list(Menu.objects.values_list("pk", "name", "status")) == [
        (menu.pk, "警务服务", MenuStatus.DRAFT)
    ]
    assert menu_structure(menu=Menu.objects.get()) == police_demo_structure()
    assert AuditLog.objects.count() == audit_rows
    assert not ApiCall.objects.exists()


@pytest.mark.django_db
def test_a_menu_of_another_account_is_not_found_through_ones_own(world):
    # carol administers the water account: a police menu id under it is not found either.
    menu = do_save_menu(account=world["police"], structure=ELDERLY, actor=None, name="警务服务")
    carol = signed_in(world["carol"])
    water = world["water"]
    assert carol.get(url(water, f"{menu.pk}/")).status_code == 404
    assert carol.post(url(water, f"{menu.pk}/delete/")).status_code == 404
    assert carol.get(url(water, f"new/?from={menu.pk}")).status_code == 404
    assert Menu.objects.filter(pk=menu.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("source", ["abc", "1.5", "-1", "99999999999999999999999"])
def test_a_malformed_menu_to_copy_is_not_found(world, source):
    response = signed_in(world["bob"]).get(url(world["police"], f"new/?from={source}"))
    assert response.status_code == 404
    assert not Menu.objects.exists()


@pytest.mark.django_db
def test_signed_out_visitors_are_sent_to_the_login(world):
    response = Client().get(url(world["police"]))
    assert response.status_code == 302 and "/office/login/" in response["Location"]


# --- the list ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_list_shows_menus_and_presses_per_button(world):
    police = world["police"]
    published = do_save_menu(
        account=police, structure=police_demo_structure(), actor=None, name="警务服务"
    )
    # Marked published directly: this test is about the list, not WeChat.
    Menu.objects.filter(pk=published.pk).update(
        status=MenuStatus.PUBLISHED, published_at=timezone.now()
    )
    do_save_menu(account=police, structure=ELDERLY, actor=None, name="简版草稿")
    now = timezone.now()
    for _ in range(3):
        do_record_click(account=police, key="POLICE_CLAIM_PROGRESS", at=now)
    do_record_click(account=police, key="POLICE_CONTACT", at=now - timedelta(days=10))
    do_record_click(account=police, key="RETIRED_BUTTON", at=now)

    page = signed_in(world["bob"]).get(url(police))

    assert page.status_code == 200
    assert [m.name for m in page.context["menus"]] == ["警务服务", "简版草稿"]
    clicks = {
        row.key: (row.path, row.last_7_days, row.last_30_days) for row in page.context["clicks"]
    }
    assert clicks["POLICE_CLAIM_PROGRESS"] == ("快撤理赔 › 理赔进度", 3, 3)
    assert clicks["POLICE_CONTACT"] == ("便民指南 › 联系我们", 0, 1)
    assert "POLICE_ACCIDENT_QUICK" in clicks  # never pressed: 0
    assert page.context["other_clicks"] == [("RETIRED_BUTTON", 1)]
    body = page.content.decode()
    assert "简版草稿" in body and "快撤理赔 › 理赔进度" in body


@pytest.mark.django_db
def test_a_published_menu_is_read_only_and_edited_as_a_copy(world):
    police = world["police"]
    menu = do_save_menu(
        account=police, structure=police_demo_structure(), actor=None, name="警务服务"
    )
    Menu.objects.filter(pk=menu.pk).update(status=MenuStatus.PUBLISHED)
    bob = signed_in(world["bob"])

    refused = bob.post(url(police, f"{menu.pk}/"), editor_data(ELDERLY, name="改"))
    assert refused.status_code == 200
    assert refused.context["form"].non_field_errors() == [
        "A published menu is not changed in place; edit a copy of it instead."
    ]
    assert menu_structure(menu=Menu.objects.get(pk=menu.pk)) == police_demo_structure()

    copy = bob.get(url(police, f"new/?from={menu.pk}"))
    assert copy.context["form"].initial["name"] == "Copy of 警务服务"
    assert copy.context["form"].initial["b1s2-key"] == "POLICE_CLAIM_PROGRESS"
    assert (
        copy.context["form"].initial["b2s1-url"]
        == "https://demo.weizheng.gov.cn/h5/police/records/"
    )


@pytest.mark.django_db
def test_deleting_a_draft(world):
    police = world["police"]
    menu = do_save_menu(account=police, structure=ELDERLY, actor=None, name="简版")
    response = signed_in(world["bob"]).post(url(police, f"{menu.pk}/delete/"))
    assert response.status_code == 302
    assert not Menu.objects.exists()
    deleted = AuditLog.objects.get(action="menus.delete_draft")
    assert deleted.actor == world["bob"] and deleted.detail == {"menu": menu.pk, "name": "简版"}
