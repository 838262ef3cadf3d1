"""The citizen's 我的信息 page: signed in through WeChat (the mock over HTTP), audited."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from weizheng.core.models import AuditLog
from weizheng.followers.h5_selectors import mask_openid
from weizheng.followers.models import Follower
from weizheng.wechat_mock import actions as mock

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(client, openid, path="/h5/police/me/"):
    """Open the page, pass WeChat's authorise page as `openid`, and open it again."""
    start = urlsplit(client.get(path)["Location"])
    back = client.get(start.path, {**dict(parse_qsl(start.query)), "openid": openid})
    return client.get(client.get(back["Location"])["Location"])


@pytest.fixture
def follower(mock_account):
    """李娜 follows through the QR code of the traffic-police hall (scene 'hall')."""
    user = mock.create_user(mock_account.app_id, nickname="李娜", is_subscribed=False)
    assert mock.user_subscribes(mock_account.app_id, user.openid, scene="hall").ok
    return user


def test_me_shows_what_the_account_holds_with_the_openid_masked(client, mock_account, follower):
    page = sign_in(client, follower.openid)

    assert page.status_code == 200
    html = page.content.decode()
    assert mask_openid(follower.openid) in html
    assert f'data-openid-tail="{follower.openid[-4:]}"' in html
    assert follower.openid not in html
    assert ">hall<" in html
    assert page["Cache-Control"] == "no-store"


def test_each_view_is_audited(client, mock_account, follower):
    sign_in(client, follower.openid)
    client.get("/h5/police/me/")

    rows = AuditLog.objects.filter(action="followers.h5.view_own_data")
    assert rows.count() == 2
    row = rows.first()
    held = Follower.objects.get(account=mock_account, openid=follower.openid)
    assert row.account == mock_account and row.actor is None and row.actor_label == "citizen"
    assert (row.target_type, row.target_id) == ("followers.follower", str(held.pk))
    assert row.detail == {"openid": mask_openid(follower.openid), "held": True}
    assert row.ip_address == "127.0.0.1"


def test_someone_the_account_does_not_know_sees_that_nothing_is_held(client, mock_account):
    stranger = mock.create_user(mock_account.app_id, nickname="路人", is_subscribed=False)

    page = sign_in(client, stranger.openid)

    assert page.status_code == 200
    assert b'data-field="not-held"' in page.content
    row = AuditLog.objects.get(action="followers.h5.view_own_data")
    assert row.target_id == "" and row.detail["held"] is False


def test_unknown_account_slug_is_404_and_not_audited(client, mock_account):
    assert client.get("/h5/nobody/me/").status_code == 404
    assert not AuditLog.objects.filter(action="followers.h5.view_own_data").exists()


def test_a_refused_sign_in_shows_nothing_and_audits_nothing(client, mock_account, follower):
    client.get("/h5/police/me/")
    answer = client.get("/h5/police/me/", {"code": "x", "state": "forged"})
    assert answer.status_code == 400
    assert follower.openid[-4:].encode() not in answer.content
    assert not AuditLog.objects.filter(action="followers.h5.view_own_data").exists()


@pytest.mark.parametrize(
    ("openid", "masked"),
    [("oAbCdEfGhIjKlMnOpQrStUvWxYz0", "oAb****xYz0"), ("short", "*****")],
)
def test_mask_openid(openid, masked):
    assert mask_openid(openid) == masked
