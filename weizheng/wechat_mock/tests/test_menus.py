"""Custom menus: create, get, delete, conditional menus, trymatch, and WeChat's validation."""

from __future__ import annotations

import pytest

from weizheng.wechat_mock import actions

from .conftest import make_app

MENU = {
    "button": [
        {"type": "click", "name": "今日办事", "key": "V1001_TODAY"},
        {
            "name": "办事服务",
            "sub_button": [
                {"type": "view", "name": "社保查询", "url": "https://example.gov.cn/shebao"},
                {"type": "scancode_push", "name": "扫一扫", "key": "SCAN_1"},
                {
                    "type": "miniprogram",
                    "name": "小程序",
                    "url": "https://example.gov.cn",
                    "appid": "wx286b93c14bbf93aa",
                    "pagepath": "pages/lunar/index",
                },
            ],
        },
        {"type": "location_select", "name": "附近网点", "key": "NEAR"},
    ]
}


def test_create_then_get_shows_the_menu_with_menuid_and_empty_sub_buttons(
    app, wechat, access_token
):
    assert wechat.call("cgi-bin/menu/create", token=access_token, body=MENU) == {
        "errcode": 0,
        "errmsg": "ok",
    }
    menu = wechat.call("cgi-bin/menu/get", token=access_token)
    assert set(menu) == {"menu"}
    assert isinstance(menu["menu"]["menuid"], int)
    buttons = menu["menu"]["button"]
    assert buttons[0] == {
        "type": "click",
        "name": "今日办事",
        "key": "V1001_TODAY",
        "sub_button": [],
    }
    assert [b["name"] for b in buttons[1]["sub_button"]] == ["社保查询", "扫一扫", "小程序"]
    assert "type" not in buttons[1]


def test_get_without_a_menu_is_46003(app, wechat, access_token):
    assert wechat.call("cgi-bin/menu/get", token=access_token)["errcode"] == 46003


def test_delete_removes_default_and_conditional_menus(app, wechat, access_token):
    wechat.call("cgi-bin/menu/create", token=access_token, body=MENU)
    wechat.call(
        "cgi-bin/menu/addconditional",
        token=access_token,
        body={**MENU, "matchrule": {"client_platform_type": "1"}},
    )
    assert wechat.call("cgi-bin/menu/delete", token=access_token)["errcode"] == 0
    assert wechat.call("cgi-bin/menu/get", token=access_token)["errcode"] == 46003


def _with(button_index: int, **changes):
    buttons = [dict(b) for b in MENU["button"]]
    buttons[button_index] = {**buttons[button_index], **changes}
    return {"button": buttons}


def _with_sub(sub_index: int, **changes):
    buttons = [dict(b) for b in MENU["button"]]
    subs = [dict(s) for s in buttons[1]["sub_button"]]
    subs[sub_index] = {**subs[sub_index], **changes}
    buttons[1] = {**buttons[1], "sub_button": subs}
    return {"button": buttons}


@pytest.mark.parametrize(
    ("menu", "errcode"),
    [
        ({"button": []}, 40016),
        ({"button": MENU["button"] + [MENU["button"][0]]}, 40016),
        (_with(0, type="tap"), 40017),
        (_with(0, name="一二三四五六"), 40018),  # 18 bytes > 16
        (_with(0, key=""), 40019),
        (_with(0, key="k" * 129), 40019),
        (_with(1, sub_button=[MENU["button"][0]] * 6), 40023),
        (_with_sub(1, type="tap"), 40024),
        (_with_sub(1, name="长" * 21), 40025),  # 63 bytes > 60
        (_with_sub(1, key=None), 40026),
        (_with_sub(0, url="https://e.cn/" + "a" * 1024), 40027),
        (_with_sub(0, url="ftp://example.gov.cn"), 40054),
        (_with(0, type="view", url="example.gov.cn"), 40055),
        (_with_sub(2, pagepath=""), 40097),
        (_with(1, sub_button=[{"name": "x", "sub_button": [MENU["button"][0]]}]), 40022),
    ],
)
def test_create_refuses_menus_wechat_refuses(app, wechat, access_token, menu, errcode):
    answer = wechat.call("cgi-bin/menu/create", token=access_token, body=menu)
    assert answer["errcode"] == errcode
    assert wechat.call("cgi-bin/menu/get", token=access_token)["errcode"] == 46003


def test_create_refuses_malformed_json_with_47001(app, wechat, access_token):
    assert wechat.call("cgi-bin/menu/create", token=access_token, body=b"{oops")["errcode"] == 47001


def test_conditional_menu_needs_a_default_menu(app, wechat, access_token):
    answer = wechat.call(
        "cgi-bin/menu/addconditional",
        token=access_token,
        body={**MENU, "matchrule": {"tag_id": "2"}},
    )
    assert answer["errcode"] == 65303


def test_conditional_menu_needs_a_match_rule(app, wechat, access_token):
    wechat.call("cgi-bin/menu/create", token=access_token, body=MENU)
    answer = wechat.call(
        "cgi-bin/menu/addconditional", token=access_token, body={**MENU, "matchrule": {}}
    )
    assert answer["errcode"] == 65304


def test_trymatch_picks_the_conditional_menu_for_a_tagged_user(
    app, wechat, access_token, alice, bob
):
    wechat.call("cgi-bin/menu/create", token=access_token, body=MENU)
    tag_menu = {"button": [{"type": "click", "name": "星标专享", "key": "STAR"}]}
    added = wechat.call(
        "cgi-bin/menu/addconditional",
        token=access_token,
        body={**tag_menu, "matchrule": {"tag_id": "2"}},
    )
    assert added["menuid"].isdigit()
    actions.do_tag_users(app, openids=[alice.openid], tag_id=2)

    for_alice = wechat.call(
        "cgi-bin/menu/trymatch", token=access_token, body={"user_id": alice.openid}
    )
    for_bob = wechat.call("cgi-bin/menu/trymatch", token=access_token, body={"user_id": "alice_wx"})
    assert for_alice["button"][0]["key"] == "STAR"
    assert for_bob["button"][0]["key"] == "STAR"  # alice again, by WeChat ID
    by_bob = wechat.call("cgi-bin/menu/trymatch", token=access_token, body={"user_id": bob.openid})
    assert by_bob["button"][0]["key"] == "V1001_TODAY"
    nobody = wechat.call("cgi-bin/menu/trymatch", token=access_token, body={"user_id": "nobody"})
    assert nobody["errcode"] == 65302

    listed = wechat.call("cgi-bin/menu/get", token=access_token)
    assert listed["conditionalmenu"][0]["menuid"] == int(added["menuid"])
    assert listed["conditionalmenu"][0]["matchrule"] == {"tag_id": "2"}

    deleted = wechat.call(
        "cgi-bin/menu/delconditional", token=access_token, body={"menuid": added["menuid"]}
    )
    assert deleted["errcode"] == 0
    again = wechat.call(
        "cgi-bin/menu/delconditional", token=access_token, body={"menuid": added["menuid"]}
    )
    assert again["errcode"] == 65301


def test_current_selfmenu_info_reports_the_api_menu(app, wechat, access_token):
    assert wechat.call("cgi-bin/get_current_selfmenu_info", token=access_token) == {
        "is_menu_open": 0
    }
    wechat.call("cgi-bin/menu/create", token=access_token, body=MENU)
    info = wechat.call("cgi-bin/get_current_selfmenu_info", token=access_token)
    assert info["is_menu_open"] == 1
    assert info["selfmenu_info"]["button"][1]["sub_button"]["list"][0]["name"] == "社保查询"


def test_menu_create_quota_is_45009(db, wechat):
    make_app(quota_limits={"menu_create": 2})
    token = wechat.access_token()
    for _ in range(2):
        assert wechat.call("cgi-bin/menu/create", token=token, body=MENU)["errcode"] == 0
    assert wechat.call("cgi-bin/menu/create", token=token, body=MENU)["errcode"] == 45009

    quota = wechat.call(
        "cgi-bin/openapi/quota/get", token=token, body={"cgi_path": "/cgi-bin/menu/create"}
    )
    assert quota["quota"] == {"daily_limit": 2, "used": 2, "remain": 0}
    cleared = wechat.call("cgi-bin/clear_quota", token=token, body={"appid": "wx49f0ab532d5d035a"})
    assert cleared["errcode"] == 0
    assert wechat.call("cgi-bin/menu/create", token=token, body=MENU)["errcode"] == 0
