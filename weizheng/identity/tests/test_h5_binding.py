"""The binding flow through the citizen's H5 pages, signed in through WeChat (the mock, over
HTTP): notice and consent → form → SMS code → bound; my data; unbinding."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test import Client

from weizheng.core.models import AuditLog
from weizheng.identity.models import Binding, Consent
from weizheng.identity.notice import NOTICE_VERSION
from weizheng.identity.selectors import active_binding
from weizheng.identity.testing import last_code, make_binding
from weizheng.wechat_mock import actions as mock

pytestmark = pytest.mark.django_db(transaction=True)

START = "/h5/police/id/"
FORM = "/h5/police/id/form/"
MINE = "/h5/police/id/mine/"
DETAILS = {"name": "李娜", "id_number": "440304199003071512", "phone": "13912345678"}


def sign_in(client, openid, path=START):
    """Open the page, pass WeChat's authorise page as `openid`, and open it again."""
    start = urlsplit(client.get(path)["Location"])
    back = client.get(start.path, {**dict(parse_qsl(start.query)), "openid": openid})
    return client.get(client.get(back["Location"])["Location"])


@pytest.fixture
def lina(mock_account):
    return mock.create_user(mock_account.app_id, nickname="李娜")


@pytest.fixture
def browser(lina):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    sign_in(client, lina.openid)
    return client


def agree(client, next_url=""):
    data = {"agree": "on", "version": NOTICE_VERSION, **({"next": next_url} if next_url else {})}
    return client.post(START, data)


def send_code(client, **details):
    return client.post(FORM, {**DETAILS, **details, "action": "send"})


def bind(client, code, **details):
    return client.post(FORM, {**DETAILS, **details, "code": code, "action": "bind"})


def test_the_whole_flow_binds_with_consent_and_audit(browser, mock_account, lina, sms_outbox):
    notice = browser.get(START)
    assert notice.status_code == 200
    assert NOTICE_VERSION in notice.content.decode()
    assert notice["Cache-Control"] == "no-store"

    assert agree(browser)["Location"] == FORM
    sent = send_code(browser)
    assert sent.status_code == 200
    assert "A 6-digit code was sent to 139****5678" in sent.content.decode()
    assert sms_outbox[-1][0] == "13912345678"

    done = bind(browser, last_code("13912345678"))
    assert done.status_code == 302 and done["Location"] == "/h5/police/id/done/"

    binding = active_binding(account=mock_account, openid=lina.openid)
    assert (binding.name, binding.id_number, binding.phone) == (
        "李娜",
        "440304199003071512",
        "13912345678",
    )
    consent = Consent.objects.get(binding=binding)
    assert consent.notice_version == NOTICE_VERSION and consent.purpose == "real_name_binding"
    assert consent.given_at == binding.bound_at and consent.withdrawn_at is None
    row = AuditLog.objects.get(action="identity.bound")
    assert row.actor_label == "citizen" and row.target_id == str(binding.pk)
    assert row.detail["id_number"] == "440304********1512"
    assert "440304199003071512" not in str(row.detail) and "13912345678" not in str(row.detail)


def test_binding_required_pages_come_back_after_binding(browser, sms_outbox):
    next_url = "/h5/police/records/?kind=traffic"
    page = browser.get(START, {"next": next_url})
    assert f'value="{next_url}"' in page.content.decode()
    assert (
        agree(browser, next_url)["Location"]
        == f"{FORM}?next=%2Fh5%2Fpolice%2Frecords%2F%3Fkind%3Dtraffic"
    )
    browser.post(FORM, {**DETAILS, "action": "send", "next": next_url})
    done = browser.post(
        FORM, {**DETAILS, "action": "bind", "next": next_url, "code": last_code(DETAILS["phone"])}
    )
    page = browser.get(done["Location"])
    assert f'href="{next_url}"' in page.content.decode()


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "/h5/water/x/", "/office/"]
)
def test_next_leaves_neither_the_site_nor_the_account(browser, next_url):
    page = browser.get(START, {"next": next_url})
    assert next_url not in page.content.decode()
    assert agree(browser, next_url)["Location"] == FORM


def test_the_form_needs_the_consent_first(browser):
    assert browser.get(FORM)["Location"] == START
    refused = browser.post(START, {"version": NOTICE_VERSION})
    assert refused.status_code == 400
    assert "Please tick the box" in refused.content.decode()
    assert browser.get(FORM)["Location"] == START


def test_an_invalid_check_digit_is_refused_and_nothing_is_sent(browser, sms_outbox):
    agree(browser)
    page = send_code(browser, id_number="440304199003071513")
    assert page.status_code == 400
    assert "typing mistake" in page.content.decode()
    assert sms_outbox == []
    # What was typed stays in the form.
    assert 'value="440304199003071513"' in page.content.decode()


def test_a_wrong_code_is_refused_and_nothing_is_bound(browser, mock_account, lina, sms_outbox):
    agree(browser)
    send_code(browser)
    code = last_code(DETAILS["phone"])
    page = bind(browser, f"{(int(code) + 1) % 1_000_000:06d}")
    assert page.status_code == 400
    assert "The code is wrong. You have 4 more tries." in page.content.decode()
    assert not Binding.objects.exists() and not Consent.objects.exists()
    assert not AuditLog.objects.filter(action="identity.bound").exists()


def test_an_id_number_bound_to_another_openid_is_refused_with_the_reason(
    browser, mock_account, sms_outbox
):
    other = make_binding(
        account=mock_account, openid="oSomeoneElse000000000000001", id_number=DETAILS["id_number"]
    )
    agree(browser)
    send_code(browser)
    page = bind(browser, last_code(DETAILS["phone"]))
    assert page.status_code == 409
    assert "already bound to another WeChat user" in page.content.decode()
    assert "service hall" in page.content.decode()
    assert list(Binding.objects.all()) == [other]
    assert not AuditLog.objects.filter(action="identity.bound").exists()


class RefusingVerifier:
    def verify(self, *, name, id_number):
        from weizheng.identity.verifiers import Verdict

        return Verdict(accepted=False, reason="姓名与身份证号不一致")


def test_the_identity_verifier_can_refuse(browser, settings, sms_outbox):
    settings.IDENTITY_VERIFIER = f"{__name__}.RefusingVerifier"
    agree(browser)
    send_code(browser)
    page = bind(browser, last_code(DETAILS["phone"]))
    assert page.status_code == 400 and "姓名与身份证号不一致" in page.content.decode()
    assert not Binding.objects.exists()


def test_a_bound_citizen_is_sent_to_my_data(browser, mock_account, lina):
    make_binding(account=mock_account, openid=lina.openid)
    assert browser.get(START)["Location"] == MINE
    assert browser.get(FORM)["Location"] == MINE


def test_my_data_shows_everything_masked_and_is_audited(browser, mock_account, lina):
    binding = make_binding(account=mock_account, openid=lina.openid, name="李娜")
    page = browser.get(MINE)
    html = page.content.decode()
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    for shown in ("李*", "110105********002X", "138****8000"):
        assert shown in html
    for hidden in ("李娜", "11010519491231002X", "13800138000", lina.openid):
        assert hidden not in html
    row = AuditLog.objects.get(action="identity.h5.view_own_data")
    assert row.target_id == str(binding.pk) and row.detail["bound"] is True


def test_another_citizen_never_sees_a_binding(mock_account, lina):
    make_binding(account=mock_account, openid=lina.openid, name="李娜")
    stranger = mock.create_user(mock_account.app_id, nickname="路人")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = sign_in(client, stranger.openid, MINE)
    html = page.content.decode()
    assert 'data-field="not-bound"' in html
    assert "李*" not in html and "002X" not in html and "8000" not in html
    # Nor can they unbind it.
    assert client.post("/h5/police/id/unbind/", {"confirm": "yes"})["Location"] == START
    assert active_binding(account=mock_account, openid=lina.openid) is not None
    assert not AuditLog.objects.filter(action="identity.unbound").exists()


def test_unbinding_wipes_the_personal_data_and_withdraws_the_consent(browser, mock_account, lina):
    binding = make_binding(account=mock_account, openid=lina.openid)
    assert browser.get("/h5/police/id/unbind/").status_code == 200
    not_confirmed = browser.post("/h5/police/id/unbind/", {})
    assert not_confirmed.status_code == 400
    assert active_binding(account=mock_account, openid=lina.openid) is not None

    done = browser.post("/h5/police/id/unbind/", {"confirm": "yes"})
    assert done["Location"] == f"{START}?unbound=1"
    binding.refresh_from_db()
    assert binding.unbound_at is not None
    assert (binding.name, binding.id_number, binding.phone) == ("", "", "")
    assert (binding.id_number_index, binding.phone_index) == ("", "")
    assert Consent.objects.get(binding=binding).withdrawn_at == binding.unbound_at
    row = AuditLog.objects.get(action="identity.unbound")
    assert row.actor_label == "citizen" and row.detail["by"] == "citizen"
    assert active_binding(account=mock_account, openid=lina.openid) is None
    mine = browser.get(MINE).content.decode()
    assert 'data-test="past-bindings"' in mine and "withdrawn" in mine


def test_unknown_account_is_404(client, mock_account):
    assert client.get("/h5/nobody/id/").status_code == 404


def test_my_data_names_messages_in_the_citizens_words_not_the_offices(browser, mock_account, lina):
    from weizheng.notifications.actions import notify

    make_binding(account=mock_account, openid=lina.openid)
    notify(
        account=mock_account,
        openid=lina.openid,
        kind="appointments.cancelled_by_office",
        variables={
            "window": "1 号窗口",
            "time": "12月7日 9:00",
            "code": "B1",
            "reason": "停电",
            "link": "https://example.gov.cn/b/B1/",
        },
        dedupe_key="test:cancelled",
    )
    html = browser.get(MINE).content.decode()
    assert "Booking cancelled" in html
    assert "cancelled by the office" not in html
