"""WeChat's menu rules, checked on the JSON before any API call: each broken rule is named, with
the button it was found on, in the active language."""

from __future__ import annotations

import copy

import pytest
from django.utils import translation
from django.utils.translation import trans_real

from weizheng.menus.demo import police_demo_structure
from weizheng.menus.validation import KEY_TYPES, ProblemCode, byte_length, check_menu

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def demo():
    return copy.deepcopy(police_demo_structure())


def codes(structure, **kwargs):
    return [problem.code for problem in check_menu(structure, **kwargs)]


def only_problem(structure, **kwargs):
    problems = check_menu(structure, **kwargs)
    assert len(problems) == 1, [p.message for p in problems]
    return problems[0]


def test_the_demo_police_menu_passes():
    structure = demo()
    assert [b["name"] for b in structure["button"]] == ["快撤理赔", "服务事项", "便民指南"]
    assert check_menu(structure) == []
    assert check_menu(structure, allowed_domains=["demo.weizheng.gov.cn"]) == []


def test_a_menu_needs_at_least_one_button():
    problem = only_problem({"button": []})
    assert problem.code == ProblemCode.NO_BUTTONS
    assert problem.message == "A menu needs at least one button."


def test_a_menu_has_at_most_three_buttons():
    structure = demo()
    structure["button"].append({"type": "click", "name": "更多", "key": "MORE"})
    problem = only_problem(structure)
    assert problem.code == ProblemCode.TOO_MANY_BUTTONS
    assert problem.message == "The menu has 4 buttons; WeChat allows at most 3."


def test_something_that_is_not_a_menu_is_refused():
    assert codes(None) == [ProblemCode.NOT_A_MENU]
    assert codes({"buttons": []}) == [ProblemCode.NOT_A_MENU]


def test_top_button_names_are_counted_in_bytes_chinese_as_three():
    structure = {"button": [{"type": "click", "name": "一二三四五", "key": "K"}]}
    assert byte_length("一二三四五") == 15
    assert check_menu(structure) == []

    structure["button"][0]["name"] = "一二三四五六"
    problem = only_problem(structure)
    assert problem.code == ProblemCode.NAME_TOO_LONG
    assert (problem.button, problem.sub_button, problem.field) == (1, None, "name")
    assert problem.message == (
        "The name of button 1 “一二三四五六” is 18 bytes long, more than the 16 bytes WeChat"
        " allows (a Chinese character counts as 3 bytes)."
    )


def test_a_latin_top_name_of_sixteen_letters_fits():
    structure = {"button": [{"type": "click", "name": "A" * 16, "key": "K"}]}
    assert check_menu(structure) == []
    structure["button"][0]["name"] = "A" * 17
    assert codes(structure) == [ProblemCode.NAME_TOO_LONG]


def test_sub_button_names_over_60_bytes_are_refused_with_their_place():
    structure = demo()
    structure["button"][1]["sub_button"][2]["name"] = "办" * 20  # 60 bytes: fits
    assert check_menu(structure) == []

    long_name = "违法查询" + "办" * 17  # 21 characters, 63 bytes
    structure["button"][1]["sub_button"][2]["name"] = long_name
    problem = only_problem(structure)
    assert problem.code == ProblemCode.NAME_TOO_LONG
    assert (problem.button, problem.sub_button) == (2, 3)
    assert problem.message == (
        f"The name of sub-button 3 “{long_name}” of button 2 is 63 bytes long, more than the 60"
        " bytes WeChat allows (a Chinese character counts as 3 bytes)."
    )


@pytest.fixture
def chinese_messages():
    """The Chinese of the two sentences below, for the test of how they are put together.

    The project catalogue gets them when the strings are collected; entries it already has win.
    """
    entries = {
        "sub-button %(sub_button)d “%(name)s” of button %(button)d": (
            "第%(button)d个菜单的第%(sub_button)d个子菜单「%(name)s」"
        ),
        "The name of %(where)s is %(length)d bytes long, more than the %(limit)d bytes WeChat"
        " allows (a Chinese character counts as 3 bytes).": (
            "%(where)s的名称有%(length)d字节，超过微信允许的%(limit)d字节（一个汉字计3字节）。"
        ),
    }
    catalog = trans_real.translation("zh-hans")._catalog
    added = [msgid for msgid in entries if msgid not in catalog]
    for msgid in added:
        catalog[msgid] = entries[msgid]
    yield
    for msgid in added:
        for part in catalog._catalogs:
            part.pop(msgid, None)


def test_problems_read_naturally_in_chinese_with_place_and_name(chinese_messages):
    structure = demo()
    structure["button"][1]["sub_button"][2]["name"] = "违法查询" + "办" * 17
    with translation.override("zh-hans"):
        problem = only_problem(structure)
    assert problem.message == (
        "第2个菜单的第3个子菜单「违法查询办办办办办办办办办办办办办办办办办」的名称有63字节，"
        "超过微信允许的60字节（一个汉字计3字节）。"
    )


def test_a_missing_name_is_named():
    structure = demo()
    structure["button"][0]["sub_button"][0]["name"] = "  "
    problem = only_problem(structure)
    assert problem.code == ProblemCode.NAME_MISSING
    assert problem.message == "The name of sub-button 1 of button 1 is missing."


def test_at_most_five_sub_buttons():
    structure = demo()
    subs = structure["button"][1]["sub_button"]
    assert len(subs) == 5 and check_menu(structure) == []  # five
    subs.append({"type": "click", "name": "车辆年检", "key": "E2"})
    problem = only_problem(structure)
    assert problem.code == ProblemCode.TOO_MANY_SUB_BUTTONS
    assert problem.message == (
        "There are 6 sub-buttons under button 2 “服务事项”; WeChat allows at most 5."
    )


def test_a_top_button_with_both_a_type_and_sub_buttons_is_refused():
    structure = demo()
    structure["button"][0]["type"] = "click"
    structure["button"][0]["key"] = "QUICK"
    problem = only_problem(structure)
    assert problem.code == ProblemCode.TYPE_WITH_SUB_BUTTONS
    assert problem.message == (
        "A button with sub-buttons has no type of its own: remove the type “click” of"
        " button 1 “快撤理赔” or its sub-buttons."
    )


def test_a_top_button_with_an_empty_sub_button_list_is_a_plain_button():
    # WeChat's menu/get shows every leaf with "sub_button": [].
    structure = {"button": [{"type": "click", "name": "办事", "key": "K", "sub_button": []}]}
    assert check_menu(structure) == []


def test_sub_buttons_have_no_sub_buttons_of_their_own():
    structure = demo()
    structure["button"][2]["sub_button"][0]["sub_button"] = [
        {"type": "click", "name": "高速", "key": "HIGHWAY"}
    ]
    problem = only_problem(structure)
    assert problem.code == ProblemCode.NESTED_SUB_BUTTONS
    assert problem.message == (
        "Menus have two levels only: sub-button 1 “交通路况” of button 3 cannot have"
        " sub-buttons of its own."
    )


def test_a_button_needs_a_known_type():
    structure = {"button": [{"name": "办事"}, {"type": "tap", "name": "查询", "key": "Q"}]}
    problems = check_menu(structure)
    assert [p.code for p in problems] == [ProblemCode.TYPE_MISSING, ProblemCode.TYPE_UNKNOWN]
    assert problems[0].message == "The type of button 1 “办事” is missing."
    assert problems[1].message == "The type “tap” of button 2 “查询” is not a WeChat button type."


@pytest.mark.parametrize("kind", sorted(KEY_TYPES))
def test_key_types_need_a_key(kind):
    structure = {"button": [{"type": kind, "name": "按钮"}]}
    problem = only_problem(structure)
    assert problem.code == ProblemCode.KEY_MISSING
    assert problem.message == (
        f"The key of button 1 “按钮” is missing; a “{kind}” button needs one."
    )


def test_keys_are_at_most_128_bytes():
    structure = {"button": [{"type": "click", "name": "按钮", "key": "K" * 128}]}
    assert check_menu(structure) == []
    structure["button"][0]["key"] = "键" * 43  # 129 bytes
    problem = only_problem(structure)
    assert problem.code == ProblemCode.KEY_TOO_LONG
    assert problem.message == (
        "The key of button 1 “按钮” is 129 bytes long, more than the 128 bytes WeChat allows."
    )


def test_keys_are_unique_across_the_whole_menu():
    structure = demo()
    structure["button"][2]["sub_button"][1]["key"] = "POLICE_ACCIDENT_QUICK"
    problem = only_problem(structure)
    assert problem.code == ProblemCode.KEY_DUPLICATE
    assert (problem.button, problem.sub_button) == (3, 2)
    assert problem.message == (
        "The key “POLICE_ACCIDENT_QUICK” of sub-button 2 “报警求助” of button 3 is already used"
        " by sub-button 1 “事故快处” of button 1; each key may be used once in a menu."
    )


def test_view_buttons_need_a_url():
    structure = demo()
    del structure["button"][1]["sub_button"][2]["url"]
    problem = only_problem(structure)
    assert problem.code == ProblemCode.URL_MISSING
    assert problem.message == "The URL of sub-button 3 “预约办事” of button 2 is missing."


@pytest.mark.parametrize(
    "url",
    ["ftp://demo.weizheng.gov.cn/guides/", "javascript:alert(1)", "demo.weizheng.gov.cn/guides/"],
)
def test_view_urls_must_be_http_or_https(url):
    structure = demo()
    structure["button"][1]["sub_button"][2]["url"] = url
    problem = only_problem(structure)
    assert problem.code == ProblemCode.URL_NOT_WEB
    assert problem.message == (
        "The URL of sub-button 3 “预约办事” of button 2 must be a web address starting with"
        " http:// or https://."
    )


def test_view_urls_are_at_most_1024_bytes():
    structure = demo()
    base = "https://demo.weizheng.gov.cn/"
    structure["button"][1]["sub_button"][2]["url"] = base + "a" * (1024 - len(base))
    assert check_menu(structure) == []
    structure["button"][1]["sub_button"][2]["url"] = base + "a" * (1025 - len(base))
    problem = only_problem(structure)
    assert problem.code == ProblemCode.URL_TOO_LONG
    assert "is 1025 bytes long, more than the 1024 bytes" in problem.message


def test_view_urls_must_lead_to_an_allowed_domain_when_a_list_is_configured():
    structure = demo()
    structure["button"][1]["sub_button"][2]["url"] = (
        "https://evil.example.com/h5/police/appointments/"
    )
    assert check_menu(structure) == []  # no list: not checked
    problem = only_problem(structure, allowed_domains=["weizheng.gov.cn"])
    assert problem.code == ProblemCode.URL_DOMAIN_NOT_ALLOWED
    assert problem.message == (
        "The URL of sub-button 3 “预约办事” of button 2 leads to evil.example.com, which is not"
        " one of the account's allowed domains (weizheng.gov.cn)."
    )


def test_an_allowed_domain_covers_its_subdomains_only():
    structure = {"button": [{"type": "view", "name": "办事", "url": "https://h5.gaj.gov.cn/x"}]}
    assert check_menu(structure, allowed_domains=["GAJ.gov.cn"]) == []
    structure["button"][0]["url"] = "https://evilgaj.gov.cn/x"
    assert codes(structure, allowed_domains=["gaj.gov.cn"]) == [ProblemCode.URL_DOMAIN_NOT_ALLOWED]


@pytest.mark.parametrize(
    ("button", "code"),
    [
        ({"type": "media_id", "name": "宣传片"}, ProblemCode.MEDIA_ID_MISSING),
        ({"type": "article_id", "name": "通告"}, ProblemCode.ARTICLE_ID_MISSING),
        (
            {"type": "miniprogram", "name": "小程序", "url": "https://a.cn", "pagepath": "p/i"},
            ProblemCode.MINIPROGRAM_APPID_MISSING,
        ),
        (
            {"type": "miniprogram", "name": "小程序", "url": "https://a.cn", "appid": "wx12345678"},
            ProblemCode.MINIPROGRAM_PAGEPATH_MISSING,
        ),
        (
            {"type": "miniprogram", "name": "小程序", "appid": "wx12345678", "pagepath": "p/i"},
            ProblemCode.URL_MISSING,
        ),
    ],
)
def test_media_article_and_mini_program_buttons_need_their_fields(button, code):
    assert codes({"button": [button]}) == [code]


def test_complete_media_article_and_mini_program_buttons_pass():
    structure = {
        "button": [
            {"type": "media_id", "name": "宣传片", "media_id": "MEDIA_1"},
            {"type": "article_id", "name": "通告", "article_id": "ARTICLE_1"},
            {
                "type": "miniprogram",
                "name": "小程序",
                "url": "https://a.cn",
                "appid": "wx12345678",
                "pagepath": "pages/index",
            },
        ]
    }
    assert check_menu(structure) == []


def test_every_problem_is_reported_at_once():
    structure = demo()
    structure["button"][0]["name"] = "快撤理赔快撤理赔"  # 24 bytes
    structure["button"][0]["sub_button"][0]["key"] = ""
    structure["button"][1]["sub_button"][2]["url"] = "ftp://x"
    assert codes(structure) == [
        ProblemCode.NAME_TOO_LONG,
        ProblemCode.KEY_MISSING,
        ProblemCode.URL_NOT_WEB,
    ]


# --- conditional menus ------------------------------------------------------------------------
def conditional(**rule):
    return {
        "button": [{"type": "click", "name": "老年人专区", "key": "ELDERLY"}],
        "matchrule": rule,
    }


def test_a_conditional_menu_needs_a_match_rule():
    problem = only_problem(conditional())
    assert problem.code == ProblemCode.MATCH_RULE_MISSING
    assert problem.message == (
        "A conditional menu needs a match rule: a tag, a client platform or both."
    )


def test_a_conditional_menu_matches_by_tag_or_platform():
    assert check_menu(conditional(tag_id="100")) == []
    assert check_menu(conditional(client_platform_type="2")) == []
    assert check_menu(conditional(tag_id=100, client_platform_type="1")) == []


def test_a_conditional_menu_needs_a_published_default_menu_first():
    problem = only_problem(conditional(tag_id="100"), has_published_default=False)
    assert problem.code == ProblemCode.NO_DEFAULT_MENU
    assert problem.message == (
        "Publish a default menu first: WeChat shows a conditional menu only to accounts that"
        " have a default menu."
    )
    assert check_menu(conditional(tag_id="100"), has_published_default=True) == []


def test_match_rules_are_checked():
    assert codes(conditional(client_platform_type="4")) == [ProblemCode.PLATFORM_INVALID]
    assert codes(conditional(tag_id="驾驶人")) == [ProblemCode.TAG_INVALID]
    assert codes(conditional(tag_id="100", sex="1")) == [ProblemCode.MATCH_RULE_UNSUPPORTED]


def test_runaway_media_and_mini_program_values_are_refused():
    structure = {"button": [{"type": "media_id", "name": "宣传片", "media_id": "M" * 256}]}
    problem = only_problem(structure)
    assert problem.code == ProblemCode.FIELD_TOO_LONG
    assert problem.message == ("The “media_id” of button 1 “宣传片” is longer than 255 characters.")
