"""The control API the simulator and tests use."""

from __future__ import annotations

import xmltodict

from weizheng.wechat_mock.models import MockApp

from .conftest import AES_KEY, APPID, SECRET, TOKEN


def _post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def test_register_app_create_user_and_act_through_http(db, client, callback_server):
    registered = _post(
        client,
        "/wxmock/_control/apps",
        {
            "appid": APPID,
            "secret": SECRET,
            "token": TOKEN,
            "encoding_aes_key": AES_KEY,
            "message_mode": "safe",
            "callback_url": callback_server.url,
        },
    )
    assert registered.status_code == 201
    app = registered.json()
    assert app["original_id"].startswith("gh_") and len(app["original_id"]) == 15
    assert "secret" not in app

    created = _post(client, f"/wxmock/_control/apps/{APPID}/users", {"nickname": "Alice"})
    assert created.status_code == 201
    openid = created.json()["openid"]
    assert created.json()["is_subscribed"] is True
    listed = client.get(f"/wxmock/_control/apps/{APPID}/users").json()
    assert [u["openid"] for u in listed] == [openid]

    acted = _post(client, f"/wxmock/_control/apps/{APPID}/users/{openid}/text", {"content": "你好"})
    assert acted.status_code == 200
    result = acted.json()
    assert result["ok"] is True and result["http_status"] == 200
    assert result["request_query"]["encrypt_type"] == "aes"
    assert result["fields"]["Content"] == "你好"
    assert result["user_notice"] == ""
    assert len(result["attempts"]) == 1
    sent = xmltodict.parse(callback_server.received[0].body)["xml"]
    assert "Encrypt" in sent

    user = client.get(f"/wxmock/_control/apps/{APPID}/users/{openid}").json()
    assert user["last_interaction_at"] and user["customer_service_window_ends_at"]
    callbacks_seen = client.get(f"/wxmock/_control/apps/{APPID}/callbacks").json()
    assert callbacks_seen[-1]["fields"]["Content"] == "你好"


def test_updating_an_app_keeps_its_original_id(db, client):
    first = _post(client, "/wxmock/_control/apps", {"appid": APPID, "secret": SECRET}).json()
    second = _post(
        client,
        "/wxmock/_control/apps",
        {"appid": APPID, "secret": "new", "callback_url": "http://x/"},
    ).json()
    assert first["original_id"] == second["original_id"]
    assert MockApp.objects.get().secret == "new"


def test_control_refusals(db, client, app, alice):
    assert client.get("/wxmock/_control/apps/wx-none/users").status_code == 404
    unknown = _post(client, f"/wxmock/_control/apps/{APPID}/users/{alice.openid}/dance")
    assert unknown.status_code == 404 and "text" in unknown.json()["extra"]["actions"]
    missing = _post(client, f"/wxmock/_control/apps/{APPID}/users/{alice.openid}/text")
    assert missing.status_code == 400 and missing.json()["code"] == "missing_field"
    safe_without_key = _post(
        client, "/wxmock/_control/apps", {"appid": "wx9", "secret": "s", "message_mode": "safe"}
    )
    assert safe_without_key.status_code == 400


def test_delivered_lists_what_users_received_since_an_id(
    app, client, wechat, access_token, alice, bob
):
    for openid in (alice.openid, alice.openid):
        wechat.call(
            "cgi-bin/message/custom/send",
            token=access_token,
            body={"touser": openid, "msgtype": "text", "text": {"content": "hi"}},
        )
    everything = client.get(f"/wxmock/_control/apps/{APPID}/delivered").json()
    assert len(everything) == 2
    assert everything[0]["channel"] == "custom"
    newer = client.get(
        f"/wxmock/_control/apps/{APPID}/delivered?openid={alice.openid}&since_id={everything[0]['id']}"
    ).json()
    assert [d["id"] for d in newer] == [everything[1]["id"]]
    assert client.get(f"/wxmock/_control/apps/{APPID}/delivered?openid={bob.openid}").json() == []


def test_expire_token_endpoint(app, client, wechat, access_token):
    assert _post(client, f"/wxmock/_control/apps/{APPID}/expire_token").json() == {"expired": 1}
    assert wechat.call("cgi-bin/tags/get", token=access_token)["errcode"] == 42001
    fresh = wechat.access_token()
    _post(client, f"/wxmock/_control/apps/{APPID}/expire_token", {"invalidate": True})
    assert wechat.call("cgi-bin/tags/get", token=fresh)["errcode"] == 40001


def test_scan_and_subscribe_through_http(app, client, carol, callback_server, wechat, access_token):
    qr = wechat.call(
        "cgi-bin/qrcode/create",
        token=access_token,
        body={"action_name": "QR_STR_SCENE", "action_info": {"scene": {"scene_str": "desk-1"}}},
    )
    acted = _post(
        client, f"/wxmock/_control/apps/{APPID}/users/{carol.openid}/scan", {"ticket": qr["ticket"]}
    ).json()
    assert acted["fields"]["EventKey"] == "qrscene_desk-1"
    again = _post(client, f"/wxmock/_control/apps/{APPID}/users/{carol.openid}/subscribe")
    assert again.status_code == 409 and again.json()["code"] == "already_subscribed"


def test_image_action_pic_url_downloads_the_picture(app, client, alice, callback_server):
    acted = _post(client, f"/wxmock/_control/apps/{APPID}/users/{alice.openid}/image").json()
    pic_url = acted["fields"]["PicUrl"]
    assert pic_url.startswith("http://testserver/wxmock/_control/media/")
    assert client.get(pic_url).content.startswith(b"\x89PNG")
