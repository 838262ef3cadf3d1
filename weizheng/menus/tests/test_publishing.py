"""Saving drafts and publishing them to the mock WeChat platform over real HTTP."""

from __future__ import annotations

import copy

import pytest
from django.utils import translation

from weizheng.core.errors import AppError
from weizheng.core.models import AuditLog
from weizheng.followers.models import FollowerTag
from weizheng.menus.actions import do_delete_published, do_publish_menu, do_save_menu
from weizheng.menus.demo import police_demo_structure
from weizheng.menus.models import ClientPlatform, Menu, MenuButton, MenuStatus
from weizheng.menus.selectors import current_menu, menu_structure
from weizheng.wechat.client import client_for
from weizheng.wechat.models import ApiCall
from weizheng.wechat_mock import actions as mock
from weizheng.wechat_mock.models import MockMenu

pytestmark = pytest.mark.django_db(transaction=True)

ELDERLY = {"button": [{"type": "click", "name": "老年人专区", "key": "ELDERLY"}]}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def clerk(django_user_model):
    return django_user_model.objects.create_user("li.na", password="x", is_staff=True)


def audit_actions(menu):
    return list(
        AuditLog.objects.filter(target_type="menus.menu", target_id=str(menu.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def menu_api_calls(account):
    return ApiCall.objects.filter(account=account, api__startswith="menu/")


def test_a_saved_draft_keeps_the_structure_it_was_given(plain_account, clerk):
    menu = do_save_menu(
        account=plain_account, structure=police_demo_structure(), actor=clerk, name="警务服务"
    )
    assert menu.status == MenuStatus.DRAFT
    assert menu_structure(menu=menu) == police_demo_structure()
    assert MenuButton.objects.filter(menu=menu).count() == 15
    saved = AuditLog.objects.get(action="menus.save")
    assert saved.actor == clerk and saved.account == plain_account
    assert saved.detail["menu"] == police_demo_structure()


def test_an_invalid_menu_is_not_saved(plain_account, clerk):
    structure = police_demo_structure()
    structure["button"][0]["name"] = "快撤理赔快撤理赔"
    with pytest.raises(AppError) as refused:
        do_save_menu(account=plain_account, structure=structure, actor=clerk, name="警务服务")
    assert refused.value.code == "menu_invalid"
    assert [p["code"] for p in refused.value.extra["problems"]] == ["name_too_long"]
    assert refused.value.message.startswith("The name of button 1 “快撤理赔快撤理赔” is 24 bytes")
    assert not Menu.objects.exists()
    assert not AuditLog.objects.filter(action__startswith="menus.").exists()


def test_saving_over_a_draft_replaces_its_buttons(plain_account, clerk):
    menu = do_save_menu(
        account=plain_account, structure=police_demo_structure(), actor=clerk, name="警务服务"
    )
    again = do_save_menu(
        account=plain_account, structure=ELDERLY, actor=clerk, name="简版", menu=menu
    )
    assert again.pk == menu.pk
    assert menu_structure(menu=again) == ELDERLY
    assert MenuButton.objects.filter(menu=menu).count() == 1


def test_a_conditional_menu_is_saved_with_its_match_rule(plain_account, clerk):
    tag = FollowerTag.objects.create(account=plain_account, name="老年人", wechat_id=101)
    structure = {**ELDERLY, "matchrule": {"tag_id": "101", "client_platform_type": "2"}}
    menu = do_save_menu(account=plain_account, structure=structure, actor=clerk, name="老年人菜单")
    assert menu.is_conditional
    assert (menu.tag, menu.client_platform) == (tag, ClientPlatform.ANDROID)
    assert menu_structure(menu=menu) == structure


def test_a_conditional_menu_for_an_unknown_tag_is_not_saved(plain_account, clerk):
    with pytest.raises(AppError) as refused:
        do_save_menu(
            account=plain_account,
            structure={**ELDERLY, "matchrule": {"tag_id": "999"}},
            actor=clerk,
            name="x",
        )
    assert [p["code"] for p in refused.value.extra["problems"]] == ["tag_unknown"]
    assert not Menu.objects.exists()


def test_publishing_puts_the_menu_on_wechat(mock_account, clerk):
    menu = do_save_menu(
        account=mock_account, structure=police_demo_structure(), actor=clerk, name="警务服务"
    )
    do_publish_menu(menu=menu, actor=clerk)

    menu.refresh_from_db()
    assert menu.status == MenuStatus.PUBLISHED and menu.published_at is not None
    assert current_menu(account=mock_account) == menu
    on_wechat = client_for(mock_account).menu.get()["menu"]["button"]
    assert [b["name"] for b in on_wechat] == ["快撤理赔", "服务事项", "便民指南"]
    assert [s["key"] for s in on_wechat[0]["sub_button"][:2]] == [
        "POLICE_ACCIDENT_QUICK",
        "POLICE_CLAIM_PROGRESS",
    ]
    assert [s["url"].split("/h5/")[1] for s in on_wechat[1]["sub_button"]] == [
        "police/records/",
        "police/services/guides/",
        "police/appointments/",
        "police/me/",
        "police/pay/fines/",
    ]
    assert audit_actions(menu) == ["menus.save", "menus.publish"]


def test_publishing_a_new_default_menu_replaces_the_previous_one(mock_account, clerk):
    first = do_save_menu(
        account=mock_account, structure=police_demo_structure(), actor=clerk, name="警务服务"
    )
    do_publish_menu(menu=first, actor=clerk)
    second = do_save_menu(account=mock_account, structure=ELDERLY, actor=clerk, name="简版")
    do_publish_menu(menu=second, actor=clerk)

    first.refresh_from_db()
    assert first.status == MenuStatus.DRAFT
    assert current_menu(account=mock_account) == second
    assert client_for(mock_account).menu.get()["menu"]["button"][0]["key"] == "ELDERLY"
    assert AuditLog.objects.get(action="menus.publish", target_id=str(second.pk)).detail[
        "replaced"
    ] == [first.pk]


def test_a_menu_wechat_refuses_stays_a_draft_with_the_reason(mock_account, clerk):
    menu = do_save_menu(
        account=mock_account, structure=police_demo_structure(), actor=clerk, name="警务服务"
    )
    mock.inject_fault(kind="errcode", api="cgi-bin/menu/create", value=40018, remaining=1)

    with pytest.raises(AppError) as refused:
        do_publish_menu(menu=menu, actor=clerk)

    assert refused.value.code == "wechat_refused"
    assert refused.value.extra["errcode"] == 40018
    assert refused.value.message.startswith("WeChat refused the menu “警务服务” with error 40018")
    menu.refresh_from_db()
    assert menu.status == MenuStatus.DRAFT and menu.published_at is None
    assert "40018" in menu.last_publish_error
    assert current_menu(account=mock_account) is None
    assert client_for(mock_account).menu.get() is None  # 46003: WeChat holds no menu
    assert audit_actions(menu) == ["menus.save", "menus.publish_refused"]
    refusal = AuditLog.objects.get(action="menus.publish_refused")
    assert refusal.actor == clerk and refusal.detail["errcode"] == 40018

    do_publish_menu(menu=menu, actor=clerk)  # the fault was for one call: the retry goes through
    menu.refresh_from_db()
    assert menu.status == MenuStatus.PUBLISHED and menu.last_publish_error == ""


def test_a_menu_that_breaks_a_limit_is_refused_before_any_api_call(mock_account, clerk):
    # Written directly, as an older or imported record could be: the draft action would refuse it.
    menu = Menu.objects.create(account=mock_account, name="旧菜单")
    MenuButton.objects.create(
        menu=menu, position=1, name="交通违法查询处理", type="click", key="OLD"
    )

    with pytest.raises(AppError) as refused:
        do_publish_menu(menu=menu, actor=clerk)

    assert refused.value.code == "menu_invalid"
    assert refused.value.message == (
        "The name of button 1 “交通违法查询处理” is 24 bytes long, more than the 16 bytes WeChat"
        " allows (a Chinese character counts as 3 bytes)."
    )
    assert not menu_api_calls(mock_account).exists()
    assert not ApiCall.objects.filter(account=mock_account).exists()  # not even a token
    menu.refresh_from_db()
    assert menu.status == MenuStatus.DRAFT
    assert menu.last_publish_error == refused.value.message
    refusal = AuditLog.objects.get(action="menus.publish_refused")
    assert refusal.detail["problems"][0]["code"] == "name_too_long"


def test_a_view_url_outside_the_allowed_domains_is_refused_before_any_api_call(mock_account, clerk):
    menu = do_save_menu(
        account=mock_account, structure=police_demo_structure(), actor=clerk, name="警务服务"
    )
    with pytest.raises(AppError) as refused:
        do_publish_menu(menu=menu, actor=clerk, allowed_domains=["gaj.pingan.gov.cn"])
    # The five 服务事项 pages and 政策文件 lead to the demo host, not the account's domain.
    assert [p["code"] for p in refused.value.extra["problems"]] == ["url_domain_not_allowed"] * 6
    assert not menu_api_calls(mock_account).exists()


def test_a_conditional_menu_waits_for_a_published_default_menu(mock_account, clerk):
    structure = {**ELDERLY, "matchrule": {"client_platform_type": "1"}}
    conditional = do_save_menu(
        account=mock_account, structure=structure, actor=clerk, name="iOS 菜单"
    )
    with pytest.raises(AppError) as refused:
        do_publish_menu(menu=conditional, actor=clerk)
    assert [p["code"] for p in refused.value.extra["problems"]] == ["no_default_menu"]
    assert not menu_api_calls(mock_account).exists()

    default = do_save_menu(
        account=mock_account, structure=police_demo_structure(), actor=clerk, name="警务服务"
    )
    do_publish_menu(menu=default, actor=clerk)
    do_publish_menu(menu=conditional, actor=clerk)

    conditional.refresh_from_db()
    assert conditional.status == MenuStatus.PUBLISHED
    on_wechat = MockMenu.objects.get(is_conditional=True)
    assert conditional.wechat_menu_id == str(on_wechat.menuid)
    assert on_wechat.matchrule == {"client_platform_type": "1"}
    assert current_menu(account=mock_account) == Menu.objects.get(
        pk=default.pk
    )  # still the default


def test_a_tagged_follower_is_shown_the_conditional_menu(mock_account, clerk):
    FollowerTag.objects.create(account=mock_account, name="老年人", wechat_id=101)
    elder = mock.create_user(mock_account.app_id, nickname="王大爷", tagid_list=[101])
    other = mock.create_user(mock_account.app_id, nickname="张伟")
    default = do_save_menu(
        account=mock_account, structure=police_demo_structure(), actor=clerk, name="警务服务"
    )
    do_publish_menu(menu=default, actor=clerk)
    conditional = do_save_menu(
        account=mock_account,
        structure={**ELDERLY, "matchrule": {"tag_id": "101"}},
        actor=clerk,
        name="老年人",
    )
    do_publish_menu(menu=conditional, actor=clerk)

    wechat = client_for(mock_account)
    assert wechat.menu.try_match(elder.openid)["button"][0]["key"] == "ELDERLY"
    assert wechat.menu.try_match(other.openid)["button"][0]["name"] == "快撤理赔"


def test_republishing_a_conditional_menu_replaces_its_previous_version(mock_account, clerk):
    default = do_save_menu(
        account=mock_account, structure=police_demo_structure(), actor=clerk, name="警务服务"
    )
    do_publish_menu(menu=default, actor=clerk)
    conditional = do_save_menu(
        account=mock_account,
        structure={**ELDERLY, "matchrule": {"client_platform_type": "2"}},
        actor=clerk,
        name="安卓",
    )
    do_publish_menu(menu=conditional, actor=clerk)
    first_id = Menu.objects.get(pk=conditional.pk).wechat_menu_id

    do_publish_menu(menu=Menu.objects.get(pk=conditional.pk), actor=clerk)

    second_id = Menu.objects.get(pk=conditional.pk).wechat_menu_id
    assert second_id != first_id
    assert list(MockMenu.objects.filter(is_conditional=True).values_list("menuid", flat=True)) == [
        int(second_id)
    ]


def test_published_menus_are_not_edited_in_place(mock_account, clerk):
    menu = do_save_menu(
        account=mock_account, structure=police_demo_structure(), actor=clerk, name="警务服务"
    )
    do_publish_menu(menu=menu, actor=clerk)
    with pytest.raises(AppError) as refused:
        do_save_menu(account=mock_account, structure=ELDERLY, actor=clerk, name="改", menu=menu)
    assert refused.value.code == "menu_not_draft"
    assert menu_structure(menu=Menu.objects.get(pk=menu.pk)) == police_demo_structure()


def test_deleting_takes_every_menu_off_wechat(mock_account, clerk):
    default = do_save_menu(
        account=mock_account, structure=police_demo_structure(), actor=clerk, name="警务服务"
    )
    do_publish_menu(menu=default, actor=clerk)
    conditional = do_save_menu(
        account=mock_account,
        structure={**copy.deepcopy(ELDERLY), "matchrule": {"client_platform_type": "1"}},
        actor=clerk,
        name="iOS",
    )
    do_publish_menu(menu=conditional, actor=clerk)

    assert do_delete_published(account=mock_account, actor=clerk) == 2

    assert client_for(mock_account).menu.get() is None
    assert not MockMenu.objects.exists()
    assert set(Menu.objects.values_list("status", "wechat_menu_id")) == {(MenuStatus.DRAFT, "")}
    assert current_menu(account=mock_account) is None
    deleted = AuditLog.objects.get(action="menus.delete_published")
    assert sorted(deleted.detail["menus"]) == sorted([default.pk, conditional.pk])


def test_a_refused_delete_changes_nothing_and_is_audited(mock_account, clerk):
    menu = do_save_menu(
        account=mock_account, structure=police_demo_structure(), actor=clerk, name="警务服务"
    )
    do_publish_menu(menu=menu, actor=clerk)
    mock.inject_fault(kind="errcode", api="cgi-bin/menu/delete", value=48001, remaining=1)

    with pytest.raises(AppError) as refused:
        do_delete_published(account=mock_account, actor=clerk)

    assert refused.value.code == "wechat_refused"
    assert current_menu(account=mock_account) == menu
    assert AuditLog.objects.get(action="menus.delete_refused").detail["errcode"] == 48001


def test_a_menu_for_a_tag_not_yet_on_wechat_is_refused_before_any_api_call(mock_account, clerk):
    default = do_save_menu(
        account=mock_account, structure=police_demo_structure(), actor=clerk, name="警务服务"
    )
    do_publish_menu(menu=default, actor=clerk)
    tag = FollowerTag.objects.create(account=mock_account, name="新标签")  # not synced: no id
    menu = Menu.objects.create(
        account=mock_account, name="新标签菜单", is_conditional=True, tag=tag
    )
    MenuButton.objects.create(menu=menu, position=1, name="专区", type="click", key="NEW")
    calls = menu_api_calls(mock_account).count()

    with pytest.raises(AppError) as refused:
        do_publish_menu(menu=menu, actor=clerk)

    assert [p["code"] for p in refused.value.extra["problems"]] == ["tag_not_on_wechat"]
    assert refused.value.message == (
        "The tag “新标签” is not on WeChat yet; synchronise the tags before publishing a menu"
        " for it."
    )
    assert menu_api_calls(mock_account).count() == calls
