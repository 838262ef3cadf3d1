"""The control endpoints the phone simulator reads: QR codes, the menu a user sees, the tail of
deliveries, and the in-app browser entry that tells the authorise page who is on the phone."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.utils import timezone

from weizheng.wechat_mock import actions
from weizheng.wechat_mock.models import MockOAuthCode, MockQrCode

from .conftest import APPID

MENU = [
    {"type": "click", "name": "办事", "key": "GUIDE"},
    {"name": "更多", "sub_button": [{"type": "view", "name": "官网", "url": "http://x.cn/"}]},
]


def _qr(app, scene, *, permanent=False):
    if permanent:
        body = {"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": scene}}}
    else:
        body = {
            "action_name": "QR_SCENE",
            "expire_seconds": 600,
            "action_info": {"scene": {"scene_id": scene}},
        }
    return actions.do_create_qrcode(app, body=body)


def test_qrcodes_lists_live_codes_newest_first_with_their_image(client, app):
    old = _qr(app, 7)
    MockQrCode.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=1))
    first = _qr(app, "expo:2025", permanent=True)
    second = _qr(app, 42)

    listed = client.get(f"/wxmock/_control/apps/{APPID}/qrcodes").json()

    assert [q["scene"] for q in listed] == ["42", "expo:2025"]
    assert listed[0]["ticket"] == second.ticket and listed[0]["is_permanent"] is False
    assert listed[1]["ticket"] == first.ticket and listed[1]["is_permanent"] is True
    image_url = urlsplit(listed[0]["image_url"])
    image = client.get(f"{image_url.path}?{image_url.query}")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"


def test_qrcodes_of_an_unknown_app_is_404(db, client):
    assert client.get("/wxmock/_control/apps/wxnone/qrcodes").status_code == 404


def test_menu_for_a_user_follows_conditional_menus(client, app, alice, bob):
    stored = actions.do_create_menu(app, buttons=MENU).buttons
    tag_id = actions.do_create_tag(app, name="老人").tag_id
    actions.do_tag_users(app, openids=[bob.openid], tag_id=tag_id)
    actions.do_add_conditional_menu(
        app,
        buttons=[{"type": "click", "name": "大字版", "key": "BIG"}],
        matchrule={"tag_id": str(tag_id)},
    )

    for_alice = client.get(f"/wxmock/_control/apps/{APPID}/menu?openid={alice.openid}").json()
    for_bob = client.get(f"/wxmock/_control/apps/{APPID}/menu?openid={bob.openid}").json()
    default = client.get(f"/wxmock/_control/apps/{APPID}/menu").json()

    assert for_alice == {"button": stored}
    assert [b["name"] for b in stored] == ["办事", "更多"]
    assert for_bob["button"][0]["key"] == "BIG"
    assert default == {"button": stored}


def test_menu_without_a_menu_is_empty_and_unknown_user_is_404(client, app):
    assert client.get(f"/wxmock/_control/apps/{APPID}/menu").json() == {"button": []}
    user = actions.create_user(app, nickname="Dan")
    assert client.get(f"/wxmock/_control/apps/{APPID}/menu?openid={user.openid}").json() == {
        "button": []
    }
    missing = client.get(f"/wxmock/_control/apps/{APPID}/menu?openid=ox")
    assert missing.status_code == 404 and missing.json()["code"] == "unknown_user"


def test_delivered_tail_keeps_the_newest_oldest_first(client, app, alice):
    for n in range(5):
        actions._deliver(
            app, openid=alice.openid, channel="custom", msgtype="text", payload={"n": n}
        )
    tail = client.get(
        f"/wxmock/_control/apps/{APPID}/delivered?openid={alice.openid}&tail=2"
    ).json()
    assert [d["payload"]["n"] for d in tail] == [3, 4]
    bad = client.get(f"/wxmock/_control/apps/{APPID}/delivered?tail=x")
    assert bad.status_code == 400


def _authorize_query(**extra):
    params = {
        "appid": APPID,
        "redirect_uri": "http://h5.example/me/",
        "response_type": "code",
        "scope": "snsapi_base",
        "state": "s1",
        **extra,
    }
    return "/wxmock/connect/oauth2/authorize?" + urlencode(params) + "#wechat_redirect"


def test_browse_remembers_the_user_and_authorize_then_skips_the_chooser(client, app, alice, bob):
    browse = client.get(
        "/wxmock/_control/browse?"
        + urlencode({"appid": APPID, "openid": bob.openid, "url": "http://h5.example/me/"})
    )
    assert browse.status_code == 302 and browse["Location"] == "http://h5.example/me/"
    assert "X-Frame-Options" not in browse
    cookie = browse.cookies[f"wxmock_browser_{APPID}"]
    assert cookie.value == bob.openid and cookie["path"] == "/wxmock/"

    authorized = client.get(_authorize_query())

    assert authorized.status_code == 302
    query = parse_qs(urlsplit(authorized["Location"]).query)
    assert query["state"] == ["s1"]
    code = query["code"][0]
    assert MockOAuthCode.objects.get(code=code).openid == bob.openid


def test_authorize_without_the_browser_cookie_shows_the_chooser_and_is_frameable(
    client, app, alice
):
    page = client.get(_authorize_query())
    assert page.status_code == 200
    assert "X-Frame-Options" not in page
    assert alice.openid in page.content.decode()


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"appid": "wxnone", "openid": "x", "url": "http://h5.example/"}, 404),
        ({"appid": APPID, "openid": "nobody", "url": "http://h5.example/"}, 404),
        ({"appid": APPID, "openid": "ALICE", "url": "javascript:alert(1)"}, 400),
        ({"appid": APPID, "openid": "ALICE", "url": "/relative"}, 400),
    ],
)
def test_browse_refusals(client, app, alice, params, status):
    params = {k: (alice.openid if v == "ALICE" else v) for k, v in params.items()}
    answer = client.get("/wxmock/_control/browse?" + urlencode(params))
    assert answer.status_code == status
    assert not answer.cookies
