"""The phone simulator in a real browser: every tap goes through the mock WeChat platform and the
account's real signed (safe-mode, encrypted) callback, and what the phone shows is what the mock
platform delivered."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from weizheng.followers.h5_selectors import mask_openid
from weizheng.menus.actions import do_publish_menu, do_save_menu
from weizheng.menus.demo import police_demo_structure
from weizheng.replies.actions import (
    do_save_button_reply,
    do_save_greeting,
    do_save_keyword_rule,
)
from weizheng.wechat.client import client_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GREETING = "欢迎关注平安市公安局！回复“办证”查看办理指南。"
HALL_GREETING = "欢迎来到交警支队办事大厅，取号请点菜单“服务事项”。"
TRAFFIC = "今日全市主干道通行顺畅，深南大道东行施工，请绕行。"
PERMIT = "办理居住证请携带身份证原件，到就近派出所户籍窗口办理。"
PUSHED = "【进度提醒】您的居住证申请已受理，预计5个工作日内办结。"


def incoming(page, text):
    return page.locator("#phone-messages .msg_in").filter(has_text=text)


@pytest.fixture
def replies(mock_account):
    """The police account's automatic replies: a greeting, one for the hall's QR code, a
    keyword rule."""
    text = {"reply_type": "text"}
    do_save_greeting(account=mock_account, scene="", data={**text, "text": GREETING}, actor=None)
    do_save_greeting(
        account=mock_account, scene="hall", data={**text, "text": HALL_GREETING}, actor=None
    )
    do_save_keyword_rule(
        account=mock_account,
        data={**text, "match": "contains", "pattern": "办证", "text": PERMIT},
        actor=None,
    )


@pytest.fixture
def hall_code(mock_account):
    """A permanent QR code of the traffic-police hall, made through WeChat's API (the mock)."""
    return client_for(mock_account).qrcode.create(
        {"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": "hall"}}}
    )


@pytest.fixture
def police_menu(mock_account, live_server):
    """The demo police menu, published to the mock platform, its H5 pages on the live server;
    the 交通路况 button answers with today's traffic."""
    menu = do_save_menu(
        account=mock_account,
        structure=police_demo_structure(f"{live_server.url}/h5"),
        actor=None,
        name="警务服务",
    )
    do_publish_menu(menu=menu, actor=None)
    do_save_button_reply(
        account=mock_account,
        key="POLICE_TRAFFIC",
        data={"reply_type": "text", "text": TRAFFIC},
        actor=None,
    )
    return menu


def test_following_shows_the_greeting(page, simulator_url, personas, replies):
    lin_xiaoyu = personas["lin-xiaoyu"]
    page.goto(simulator_url(lin_xiaoyu.openid))

    page.click('[data-test="follow"]')

    expect(incoming(page, GREETING)).to_be_visible()
    expect(page.locator('[data-test="profile"]')).to_be_hidden()
    expect(page.locator(f'[data-openid="{lin_xiaoyu.openid}"] .sim-badge_on')).to_be_visible()


def test_scanning_a_scene_code_shows_the_scene_greeting(
    page, simulator_url, personas, replies, hall_code
):
    page.goto(simulator_url(personas["chen-jing"].openid))

    page.locator('[data-scene="hall"] [data-test="scan"]').click()

    expect(incoming(page, HALL_GREETING)).to_be_visible()
    expect(incoming(page, GREETING)).to_have_count(0)


def test_a_menu_button_gets_its_reply_a_keyword_its_answer_and_pushes_arrive_live(
    page, simulator_url, personas, replies, police_menu, hall_code, mock_account, screenshot
):
    zhou_ming = personas["zhou-ming"]
    page.goto(simulator_url(zhou_ming.openid))

    page.get_by_role("button", name="便民指南").click()
    page.get_by_role("menuitem", name="交通路况").click()
    expect(incoming(page, TRAFFIC)).to_be_visible()

    page.click("#to-keyboard")
    page.fill('[data-test="text-input"]', "请问怎么办证？")
    page.click('[data-test="send"]')
    expect(incoming(page, PERMIT)).to_be_visible()
    expect(
        page.locator("#phone-messages .msg_out").filter(has_text="请问怎么办证？")
    ).to_be_visible()

    # A customer-service message sent through WeChat's API reaches the open phone by itself.
    client_for(mock_account).message.send_text(zhou_ming.openid, PUSHED)
    pushed = page.locator('#phone-messages .msg_in[data-channel="custom"]').filter(has_text=PUSHED)
    expect(pushed).to_be_visible()

    page.click("#to-menu")
    page.get_by_role("button", name="服务事项").click()
    expect(page.get_by_role("menuitem", name="我的信息")).to_be_visible()
    screenshot(page, "simulator.png")


def test_a_view_button_opens_the_h5_page_knowing_the_citizen(
    page, simulator_url, personas, police_menu
):
    zhou_ming = personas["zhou-ming"]
    page.goto(simulator_url(zhou_ming.openid))

    page.get_by_role("button", name="服务事项").click()
    page.get_by_role("menuitem", name="我的信息").click()

    frame = page.frame_locator('[data-test="webview-frame"]')
    openid = frame.locator('[data-field="openid"]')
    expect(openid).to_have_text(mask_openid(zhou_ming.openid))
    expect(openid).to_have_attribute("data-openid-tail", zhou_ming.openid[-4:])
