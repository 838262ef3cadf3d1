"""The simulator's in-app browser: each persona is a phone of its own, so switching persona in one
desktop browser signs the H5 pages in again as the new persona (real WeChat keeps a session's
openid: only the simulator drops it)."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import pytest
from django.test import Client

from weizheng.identity.testing import make_binding
from weizheng.simulator.personas import PERSONAS, ensure_personas
from weizheng.wechat import oauth

pytestmark = pytest.mark.django_db(transaction=True)

MINE = "http://testserver/h5/police/id/mine/"


@pytest.fixture
def people(mock_account):
    return {p.key: u for p, u in zip(PERSONAS, ensure_personas(mock_account), strict=True)}


def open_in_phone(client, openid, url=MINE):
    """Tap a link on the simulated phone of `openid`: follow every redirect (the simulator, the
    mock's browser and authorise page, the H5 page) as a browser would, on whichever host."""
    answer = client.get("/simulator/browse/police?" + urlencode({"openid": openid, "url": url}))
    hops = []
    while answer.status_code == 302:
        location = urlsplit(answer["Location"])
        hops.append(location.path)
        answer = client.get(location.path + (f"?{location.query}" if location.query else ""))
        assert len(hops) < 10
    return answer, hops


def test_two_personas_in_one_browser_each_see_their_own_data(mock_account, people):
    lin, chen = people["lin-xiaoyu"], people["chen-jing"]
    make_binding(account=mock_account, openid=lin.openid, name="林晓雨", phone="13800138001")
    make_binding(
        account=mock_account,
        openid=chen.openid,
        name="陈静",
        id_number="440304199003071512",
        phone="13900139002",
    )
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")

    as_lin, _ = open_in_phone(browser, lin.openid)
    assert as_lin.status_code == 200
    assert "林**" in as_lin.content.decode() and "138****8001" in as_lin.content.decode()

    as_chen, hops = open_in_phone(browser, chen.openid)
    assert as_chen.status_code == 200
    page = as_chen.content.decode()
    assert "陈*" in page and "139****9002" in page
    assert "林**" not in page and "138****8001" not in page
    assert "/wxmock/connect/oauth2/authorize" in hops  # signed in afresh as 陈静
    assert browser.session[oauth.OPENIDS_KEY][str(mock_account.pk)] == chen.openid


def test_the_same_persona_keeps_its_sign_in(mock_account, people):
    lin = people["lin-xiaoyu"]
    browser = Client()
    open_in_phone(browser, lin.openid)

    answer, hops = open_in_phone(browser, lin.openid)

    assert answer.status_code == 200
    assert "/wxmock/connect/oauth2/authorize" not in hops
    assert browser.session[oauth.OPENIDS_KEY][str(mock_account.pk)] == lin.openid


def test_a_consent_given_by_one_persona_is_not_the_next_ones(mock_account, people):
    from weizheng.identity.notice import NOTICE_VERSION

    lin, chen = people["lin-xiaoyu"], people["chen-jing"]
    browser = Client()
    open_in_phone(browser, lin.openid, "http://testserver/h5/police/id/")
    agreed = browser.post("/h5/police/id/", {"agree": "on", "version": NOTICE_VERSION})
    assert agreed["Location"] == "/h5/police/id/form/"

    form, _ = open_in_phone(browser, chen.openid, "http://testserver/h5/police/id/form/")

    assert b'data-test="privacy-notice"' in form.content  # 陈静 is asked for her own consent


def test_bad_browse_requests_are_refused_and_sign_in_is_kept(client, mock_account, people):
    lin = people["lin-xiaoyu"]
    open_in_phone(client, lin.openid)
    chen = people["chen-jing"].openid

    no_url = client.get("/simulator/browse/police?" + urlencode({"openid": chen}))
    bad_url = client.get(
        "/simulator/browse/police?" + urlencode({"openid": chen, "url": "javascript:alert(1)"})
    )
    unknown = client.get("/simulator/browse/nowhere?" + urlencode({"openid": chen, "url": MINE}))

    assert (no_url.status_code, bad_url.status_code, unknown.status_code) == (400, 400, 404)
    assert client.session[oauth.OPENIDS_KEY][str(mock_account.pk)] == lin.openid


def test_plain_h5_pages_never_drop_the_sign_in(mock_account, people):
    """Real WeChat: a session is one phone; only the simulator's browse switches person."""
    lin = people["lin-xiaoyu"]
    browser = Client()
    open_in_phone(browser, lin.openid)
    for _ in range(2):
        assert browser.get("/h5/police/id/mine/").status_code == 200
    assert browser.session[oauth.OPENIDS_KEY][str(mock_account.pk)] == lin.openid
