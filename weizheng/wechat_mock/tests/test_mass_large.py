"""Mass messages at scale and their idempotency window: 45065 for 24 hours, the 2,048-byte
text limit, compact delivery rows whose payload the control API fills in, bulk users."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import timezone

from weizheng.wechat_mock import actions
from weizheng.wechat_mock.models import Channel, MockDelivered, MockMassJob, MockUser


def _body(openids, **extra):
    return {"touser": openids, "msgtype": "text", "text": {"content": "停水通知"}, **extra}


def test_a_clientmsgid_is_remembered_for_24_hours(app, wechat, access_token, alice, bob):
    body = _body([alice.openid, bob.openid], clientmsgid="12-0")
    first = wechat.call("cgi-bin/message/mass/send", token=access_token, body=body)
    repeat = wechat.call("cgi-bin/message/mass/send", token=access_token, body=body)
    assert repeat["errcode"] == 45065 and repeat["msg_id"] == first["msg_id"]
    assert MockDelivered.objects.filter(channel=Channel.MASS).count() == 2

    with time_machine.travel(timezone.now() + dt.timedelta(hours=25), tick=False):
        token = actions.do_issue_access_token(app).token
        later = wechat.call("cgi-bin/message/mass/send", token=token, body=body)
    assert later["errcode"] == 0 and later["msg_id"] != first["msg_id"]
    assert MockMassJob.objects.filter(clientmsgid="12-0").count() == 1


def test_mass_text_over_2048_bytes_is_45002(app, wechat, access_token, alice, bob):
    answer = wechat.call(
        "cgi-bin/message/mass/send",
        token=access_token,
        body={
            "touser": [alice.openid, bob.openid],
            "msgtype": "text",
            "text": {"content": "长" * 683},
        },
    )
    assert answer["errcode"] == 45002
    assert not MockDelivered.objects.exists()


def test_bulk_users_get_compact_mass_rows_with_the_payload_on_read(
    app, wechat, access_token, client
):
    openids = actions.create_users_bulk(app, count=2_500)
    assert MockUser.objects.filter(app=app, is_subscribed=True).count() == 2_500
    assert len(set(openids)) == 2_500 and all(len(o) == 28 for o in openids)
    answer = wechat.call("cgi-bin/message/mass/send", token=access_token, body=_body(openids))
    assert answer["errcode"] == 0
    rows = MockDelivered.objects.filter(channel=Channel.MASS)
    assert rows.count() == 2_500 and rows.first().payload == {}
    seen = client.get(f"/wxmock/_control/apps/{app.appid}/delivered", {"openid": openids[7]}).json()
    assert seen[0]["payload"]["text"] == {"content": "停水通知"}
