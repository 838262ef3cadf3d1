"""The simulator's JSON views, against the mock platform over a live server (both ways HTTP)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from conftest import make_account
from weizheng.replies.actions import do_save_greeting, do_save_keyword_rule
from weizheng.simulator.personas import PERSONAS, ensure_personas
from weizheng.wechat.client import client_for
from weizheng.wechat.models import InboundMessage
from weizheng.wechat_mock import actions as mock
from weizheng.wechat_mock.models import MockApp, MockUser

pytestmark = pytest.mark.django_db(transaction=True)

API = "/simulator/api/police"


@pytest.fixture
def people(mock_account):
    return {p.key: u for p, u in zip(PERSONAS, ensure_personas(mock_account), strict=True)}


@pytest.fixture
def received(people):
    """What the app receives after the personas are set up (the followers among them followed
    through the callback)."""
    mark = InboundMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return lambda: InboundMessage.objects.filter(pk__gt=mark).order_by("pk")


def act(client, openid, **body):
    return client.post(
        f"{API}/users/{openid}/act", json.dumps(body), content_type="application/json"
    )


# --- the page and the accounts ---------------------------------------------------------------
def test_the_page_lists_the_accounts_on_the_mock_and_carries_a_csrf_token(client, mock_account):
    make_account("real", mode="plain", app_id="wx3333333333333333", token="realtoken")

    page = client.get("/simulator/?account=police")

    assert page.status_code == 200
    config = json.loads(
        page.content.decode().split('id="sim-config" type="application/json">')[1].split("<")[0]
    )
    assert config["accounts"] == [{"slug": "police", "name": "平安市公安局"}]
    assert config["account"] == "police" and config["csrfToken"]
    assert config["strings"]["follow"]
    assert client.get("/simulator/api/accounts").json() == config["accounts"]


def test_an_account_on_real_wechat_or_inactive_is_404(client, mock_account):
    make_account("real", mode="plain", app_id="wx3333333333333333", token="realtoken")
    assert client.get("/simulator/api/real/users").json()["code"] == "unknown_account"
    mock_account.is_active = False
    mock_account.save(update_fields=["is_active"])
    assert client.get(f"{API}/users").status_code == 404


# --- personas ----------------------------------------------------------------------------------
def test_users_creates_the_personas_once_and_lists_them_first(client, mock_account):
    other = mock.create_user(mock_account.app_id, nickname="另一位")

    first = client.get(f"{API}/users").json()
    second = client.get(f"{API}/users").json()

    assert first == second
    assert [u["persona"] for u in first["users"]] == [p.key for p in PERSONAS] + [""]
    assert first["users"][-1]["openid"] == other.openid
    lin_xiaoyu = first["users"][0]
    assert lin_xiaoyu["nickname"] == "林晓雨" and lin_xiaoyu["is_subscribed"] is False
    assert lin_xiaoyu["avatar_url"] == "/static/simulator/avatars/lin-xiaoyu.svg"
    assert first["browse_url"] == "/simulator/browse/police"
    assert MockUser.objects.count() == len(PERSONAS) + 1


def test_personas_have_the_same_openids_on_every_run(mock_account):
    openids = [u.openid for u in ensure_personas(mock_account)]
    MockUser.objects.all().delete()
    assert [u.openid for u in ensure_personas(mock_account)] == openids
    prefix = MockApp.objects.get().openid_prefix
    assert all(o.startswith(prefix) and len(o) == 28 for o in openids)
    assert len(set(openids)) == len(PERSONAS)


def test_users_of_an_account_the_mock_does_not_know_is_409(client, mock_account):
    MockApp.objects.all().delete()
    answer = client.get(f"{API}/users")
    assert answer.status_code == 409 and answer.json()["code"] == "not_on_mock"


# --- acting ------------------------------------------------------------------------------------
def test_follow_gets_the_greeting_and_the_state_follows(client, mock_account, people):
    do_save_greeting(
        account=mock_account, scene="", data={"reply_type": "text", "text": "欢迎！"}, actor=None
    )
    lin_xiaoyu = people["lin-xiaoyu"]

    answer = act(client, lin_xiaoyu.openid, action="subscribe").json()

    assert answer["ok"] is True and answer["notice"] == ""
    assert answer["reply"]["type"] == "text" and answer["reply"]["text"] == "欢迎！"
    assert answer["reply"]["channel"] == "passive" and answer["reply"]["id"]
    state = client.get(f"{API}/users/{lin_xiaoyu.openid}").json()
    assert state["is_subscribed"] is True
    assert [m["text"] for m in state["messages"]] == ["欢迎！"]
    assert state["last_id"] == answer["reply"]["id"]


def test_a_keyword_gets_its_reply(client, mock_account, people):
    do_save_keyword_rule(
        account=mock_account,
        data={"match": "contains", "pattern": "办证", "reply_type": "text", "text": "请到派出所"},
        actor=None,
    )
    answer = act(client, people["zhou-ming"].openid, action="text", content="我要办证").json()
    assert answer["reply"]["text"] == "请到派出所"


def test_scanning_a_code_goes_through_the_callback_with_the_scene(
    client, mock_account, people, received
):
    code = client_for(mock_account).qrcode.create(
        {"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": "hall"}}}
    )
    listed = client.get(f"{API}/qrcodes").json()
    assert [(q["scene"], q["ticket"]) for q in listed] == [("hall", code["ticket"])]

    assert act(client, people["chen-jing"].openid, action="scan", ticket=code["ticket"]).json()[
        "ok"
    ]
    assert act(client, people["zhou-ming"].openid, action="scan", ticket=code["ticket"]).json()[
        "ok"
    ]

    kinds = list(received().values_list("kind", "event_key"))
    assert kinds == [("event:subscribe", "qrscene_hall"), ("event:scan", "hall")]


def test_a_view_button_sends_view_and_opens_the_in_app_browser(
    client, mock_account, people, received
):
    zhou_ming = people["zhou-ming"]
    url = "http://testserver/h5/police/me/"

    answer = act(client, zhou_ming.openid, action="view", url=url).json()

    assert answer["browse_url"].startswith("/simulator/browse/police?")
    assert zhou_ming.openid in answer["browse_url"]
    assert [r.kind for r in received()] == ["event:view"]


def test_image_voice_location_and_menu_events_reach_the_app(client, mock_account, people, received):
    openid = people["zhou-ming"].openid
    image = act(client, openid, action="image").json()
    assert image["ok"] and image["sent"]["src"].startswith(mock_account.api_base_url)
    assert act(client, openid, action="voice", recognition="查违章").json()["ok"]
    assert act(
        client, openid, action="location", latitude=30.58, longitude=114.30, label="平安市市民中心"
    ).json()["ok"]
    assert act(
        client, openid, action="event", event="scancode_push", key="SCAN", scan_result="hi"
    ).json()["ok"]
    assert act(
        client,
        openid,
        action="event",
        event="location_select",
        key="WHERE",
        latitude=30.576,
        longitude=114.294,
        label="交警支队",
    ).json()["ok"]
    rows = list(received())
    assert [r.kind for r in rows] == [
        "image",
        "voice",
        "location",
        "event:scancode_push",
        "event:location_select",
    ]
    assert "查违章" in json.dumps(rows[1].fields, ensure_ascii=False)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"action": "dance"}, 404, "unknown_action"),
        ({}, 400, "missing_field"),
        ({"action": "text"}, 400, "missing_field"),
        ({"action": "text", "content": 5}, 400, "invalid_field"),
        ({"action": "text", "content": "长" * 1000}, 400, "field_too_long"),
        ({"action": "view", "url": "javascript:alert(1)"}, 400, "invalid_field"),
        ({"action": "location", "latitude": 91, "longitude": 0}, 400, "invalid_field"),
        ({"action": "location", "latitude": "x", "longitude": 0}, 400, "invalid_field"),
        ({"action": "event", "event": "CLICK", "key": "K"}, 400, "invalid_field"),
        ({"action": "image", "image_base64": "!!"}, 400, "invalid_image"),
    ],
)
def test_bad_input_is_a_4xx_with_a_reason(
    client, mock_account, people, received, body, status, code
):
    answer = act(client, people["zhou-ming"].openid, **body)
    assert answer.status_code == status
    assert answer.json()["code"] == code
    assert not received().exists()


def test_a_body_that_is_not_json_is_400(client, mock_account, people):
    answer = client.post(
        f"{API}/users/{people['zhou-ming'].openid}/act", "nope", content_type="application/json"
    )
    assert answer.status_code == 400 and answer.json()["code"] == "invalid_json"


def test_the_mock_platforms_refusals_pass_through(client, mock_account, people):
    not_following = act(client, people["lin-xiaoyu"].openid, action="text", content="你好")
    assert not_following.status_code == 409 and not_following.json()["code"] == "not_subscribed"
    unknown = act(client, "oNobody", action="text", content="你好")
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_user"


def test_acting_needs_the_csrf_token(mock_account, people):
    browser = Client(enforce_csrf_checks=True)
    openid = people["zhou-ming"].openid
    assert act(browser, openid, action="text", content="你好").status_code == 403

    page = browser.get("/simulator/")
    token = page.content.decode().split('"csrfToken": "')[1].split('"')[0]
    answer = browser.post(
        f"{API}/users/{openid}/act",
        json.dumps({"action": "text", "content": "你好"}),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert answer.status_code == 200


def test_an_unreachable_mock_platform_is_502(client, mock_account, people):
    mock_account.api_base_url = "http://127.0.0.1:9/wxmock"
    mock_account.save(update_fields=["api_base_url"])
    answer = act(client, people["zhou-ming"].openid, action="text", content="你好")
    assert answer.status_code == 502 and answer.json()["code"] == "mock_unreachable"


# --- what reaches the phone later ------------------------------------------------------------
def test_pushed_messages_arrive_by_polling_after_since_id(client, mock_account, people):
    zhou_ming = people["zhou-ming"].openid
    since = act(client, zhou_ming, action="text", content="在吗").json()["reply"]["id"]
    MockApp.objects.update(
        templates=[{"template_id": "TPL1", "title": "业务办理进度提醒", "content": "..."}]
    )
    wechat = client_for(mock_account)
    wechat.message.send_text(zhou_ming, "您的申请已受理")

    first = client.get(f"{API}/users/{zhou_ming}/messages?since_id={since}").json()
    assert [(m["channel"], m["type"], m["text"]) for m in first["messages"]] == [
        ("custom", "text", "您的申请已受理")
    ]

    wechat.message.send_template(
        zhou_ming,
        "TPL1",
        {"first": {"value": "您好"}, "keyword1": {"value": "居住证"}},
        url="http://testserver/h5/police/me/",
    )
    later = client.get(f"{API}/users/{zhou_ming}/messages?since_id={first['last_id']}").json()
    [template] = later["messages"]
    assert template["channel"] == "template" and template["title"] == "业务办理进度提醒"
    assert template["rows"] == [
        {"name": "first", "value": "您好"},
        {"name": "keyword1", "value": "居住证"},
    ]
    assert template["url"] == "http://testserver/h5/police/me/"
    assert client.get(f"{API}/users/{zhou_ming}/messages?since_id=x").status_code == 400


def test_the_menu_is_the_one_the_mock_platform_shows(client, mock_account, people):
    openid = people["zhou-ming"].openid
    assert client.get(f"{API}/users/{openid}/menu").json() == {"button": []}
    client_for(mock_account).menu.create(
        {"button": [{"type": "click", "name": "路况", "key": "TRAFFIC"}]}
    )
    menu = client.get(f"{API}/users/{openid}/menu").json()["button"]
    assert [(b["name"], b["key"]) for b in menu] == [("路况", "TRAFFIC")]
    state = client.get(f"{API}/users/{openid}").json()
    assert state["menu"] == menu
