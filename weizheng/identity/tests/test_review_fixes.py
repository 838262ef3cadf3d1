# ruff: noqa: F811 (the fixtures are imported from test_h5_binding)
"""What a reviewer found driving the demo: the audit of wrong codes and cool-downs, a code that
stays valid for a corrected ID, the form's layout and default button, the done page's services,
"My data" listing every app's section, the unbind page's warning, and the office look-up's labels."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone

from weizheng.core.errors import AppError
from weizheng.core.models import AuditLog
from weizheng.identity import actions, personal_data
from weizheng.identity.models import Binding
from weizheng.identity.selectors import active_binding
from weizheng.identity.testing import last_code, make_binding

from .test_h5_binding import DETAILS, FORM, MINE, START, agree, bind, browser, lina, send_code  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

ALICE = "oAlice0000000000000000000001"
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def identity(id_number="11010519491231002X", phone="13800138000"):
    return actions.check_identity(name="张三", id_number=id_number, phone=phone)


def wrong(code):
    return f"{(int(code) + 1) % 1_000_000:06d}"


# --- 7. wrong codes and cool-downs are audited ------------------------------------------------
def test_wrong_codes_and_the_cool_down_are_audited_with_the_phone_masked(plain_account, sms_outbox):
    with time_machine.travel(NOW, tick=False):
        actions.check_send_code(account=plain_account, openid=ALICE, identity=identity())
        code = last_code("13800138000")
        for _ in range(actions.MAX_WRONG_CODES):
            with pytest.raises(AppError):
                actions.check_code(
                    account=plain_account, openid=ALICE, identity=identity(), code=wrong(code)
                )

    wrongs = AuditLog.objects.filter(action="identity.code.wrong").order_by("pk")
    assert wrongs.count() == actions.MAX_WRONG_CODES
    assert {row.detail["phone"] for row in wrongs} == {"138****8000"}
    assert [row.detail["tries_left"] for row in wrongs] == [4, 3, 2, 1, 0]
    cooldown = AuditLog.objects.get(action="identity.code.cooldown")
    assert cooldown.detail["phone"] == "138****8000"
    assert cooldown.detail["until"] == (NOW + actions.COOL_DOWN).isoformat()
    assert "13800138000" not in str(list(AuditLog.objects.values_list("detail", flat=True)))


# --- 3. a refusal for the ID keeps the proven code --------------------------------------------
def test_a_refused_id_keeps_the_code_for_a_corrected_retry(browser, mock_account, sms_outbox):
    make_binding(
        account=mock_account, openid="oSomeoneElse000000000000001", id_number="11010519491231002X"
    )
    agree(browser)
    send_code(browser, id_number="11010519491231002X")
    code = last_code(DETAILS["phone"])

    refused = bind(browser, code, id_number="11010519491231002X")
    assert refused.status_code == 409
    assert "Your code is still valid" in refused.content.decode()
    assert f'value="{code}"' in refused.content.decode()  # the form keeps it

    corrected = bind(browser, code)
    assert corrected.status_code == 302 and corrected["Location"] == "/h5/police/id/done/"
    assert len(sms_outbox) == 1  # no second text needed
    binding = Binding.objects.get(id_number_index=actions.id_number_index(DETAILS["id_number"]))
    assert binding.is_active


def test_the_kept_code_cannot_test_id_numbers_without_end(plain_account, sms_outbox):
    taken = [
        "11010519491231002X",
        "440304199003071512",
        "110101199003074477",
        "110101199003075517",
        "110101199003079956",
        "110101199003071794",
    ]
    for n, number in enumerate(taken):
        make_binding(account=plain_account, openid=f"oOther{n:022d}", id_number=number)
    actions.check_send_code(account=plain_account, openid=ALICE, identity=identity())
    code = last_code("13800138000")
    kept = []
    for number in taken:
        with pytest.raises(AppError) as refusal:
            actions.check_bind(
                account=plain_account,
                openid=ALICE,
                identity=identity(id_number=number),
                code=code,
                notice_version=actions.NOTICE_VERSION,
            )
        if refusal.value.code == "no_code":
            break
        assert refusal.value.code == "id_number_taken"
        kept.append(refusal.value.extra["code_kept"])
    # A few corrected tries, then the code is used up and the citizen is told so.
    assert kept == [True] * (actions.MAX_WRONG_CODES - 1) + [False]
    assert refusal.value.code == "no_code"


def test_the_kept_code_still_expires(plain_account, sms_outbox):
    make_binding(account=plain_account, openid="oOther", id_number="11010519491231002X")
    with time_machine.travel(NOW, tick=False) as clock:
        actions.check_send_code(account=plain_account, openid=ALICE, identity=identity())
        code = last_code("13800138000")
        clock.shift(actions.CODE_TTL - dt.timedelta(seconds=2))
        with pytest.raises(AppError) as refusal:
            actions.check_bind(
                account=plain_account,
                openid=ALICE,
                identity=identity(),
                code=code,
                notice_version=actions.NOTICE_VERSION,
            )
        assert refusal.value.extra["code_kept"] is True
        clock.shift(dt.timedelta(seconds=3))
        with pytest.raises(AppError) as late:
            actions.check_bind(
                account=plain_account,
                openid=ALICE,
                identity=identity(id_number="440304199003071512"),
                code=code,
                notice_version=actions.NOTICE_VERSION,
            )
    assert late.value.code == "code_expired"
    assert not Binding.objects.filter(openid=ALICE).exists()


# --- 2. the form: Bind is the default button, the code row fits ---------------------------------
def test_enter_in_the_form_binds_because_bind_is_its_first_submit_button(browser):
    agree(browser)
    html = browser.get(FORM).content.decode()
    buttons = re.findall(r'<button[^>]*type="submit"[^>]*>', html)
    assert 'value="bind"' in buttons[0]
    assert 'value="send"' in buttons[1]
    assert "min-width: 0" in html  # the code input may shrink next to its button


# --- 6. the done page offers the account's services ----------------------------------------------
def test_the_done_page_offers_the_main_services(browser, mock_account, lina):
    make_binding(account=mock_account, openid=lina.openid)
    html = browser.get("/h5/police/id/done/").content.decode()
    for url in ("/h5/police/records/", "/h5/police/services/guides/", "/h5/police/appointments/"):
        assert f'href="{url}"' in html
    assert 'data-test="my-data"' in html


# --- 4. "My data": every app's section, notification kinds by their label ----------------------
def test_my_data_lists_each_apps_section_and_kinds_by_label(browser, mock_account, lina):
    from weizheng.notifications import registry
    from weizheng.notifications.models import Notification

    make_binding(account=mock_account, openid=lina.openid)
    kind = registry.all_kinds()[0]
    Notification.objects.create(
        account=mock_account, openid=lina.openid, kind=kind.code, next_attempt_at=timezone.now()
    )

    html = browser.get(MINE).content.decode()

    for key in ("appointments.bookings", "eservices.applications", "records.queries"):
        assert f'data-section="{key}"' in html
    assert str(kind.label) in html
    assert f">{kind.code}<" not in html


def test_a_section_only_shows_the_citizens_own_rows_and_a_broken_one_hides_nothing_else(
    browser,
    mock_account,
    lina,
):
    seen = []

    def provider(account, openid):
        seen.append(openid)
        return [personal_data.Row(label="mine", value=openid[-4:])]

    def broken(account, openid):
        raise RuntimeError("bug")

    try:
        personal_data.register("test.mine", "Test section", provider, order=1)
        personal_data.register("test.broken", "Broken section", broken, order=2)
        html = browser.get(MINE).content.decode()
    finally:
        personal_data._sections.pop("test.mine")
        personal_data._sections.pop("test.broken")
    assert seen == [lina.openid]
    assert "Test section" in html and "This part cannot be shown at the moment." in html
    assert 'data-section="eservices.applications"' in html


def test_record_queries_in_the_citizens_name_are_listed(browser, mock_account, lina):
    from weizheng.core.actions import do_audit

    binding = make_binding(account=mock_account, openid=lina.openid)
    other = make_binding(account=mock_account, openid="oOther", id_number="440304199003071512")
    do_audit(
        action="records.query",
        actor_label="citizen",
        account=mock_account,
        target=binding,
        detail={"query_type": "traffic_violations", "outcome": "ok"},
    )
    do_audit(
        action="records.query",
        actor_label="citizen",
        account=mock_account,
        target=other,
        detail={"query_type": "someone_elses", "outcome": "ok"},
    )
    html = browser.get(MINE).content.decode()
    section = html.split('data-section="records.queries"', 1)[1].split("</div>\n", 1)[0]
    assert "answered" in html
    assert "someone_elses" not in html
    assert section


# --- 5. the unbind page says what goes on ---------------------------------------------------------
def test_the_unbind_page_lists_what_is_under_way_and_what_is_kept(browser, mock_account, lina):
    def upcoming(account, openid):
        return [personal_data.Row(label="驾驶证业务 1 号窗口 · 2026-03-03 09:00", value="B123")]

    make_binding(account=mock_account, openid=lina.openid)
    plain = browser.get("/h5/police/id/unbind/").content.decode()
    assert 'data-test="in-progress"' not in plain
    try:
        personal_data.register(
            "test.bookings",
            "Bookings",
            lambda a, o: [],
            in_progress=upcoming,
            after_unbinding="Bookings stay valid after unbinding.",
        )
        html = browser.get("/h5/police/id/unbind/").content.decode()
    finally:
        personal_data._sections.pop("test.bookings")
    assert 'data-test="in-progress"' in html and "B123" in html
    assert "Bookings stay valid after unbinding." in html
    assert 'data-test="choose"' in html


def test_the_privacy_notice_says_what_unbinding_keeps(browser):
    html = browser.get(START).content.decode()
    assert "blind index of your ID number" in html and "no-show rule" in html


# --- 4. the followers "me" page links to the binding ----------------------------------------------
def test_the_me_page_shows_the_binding_status_and_links(browser, mock_account, lina):
    unbound = browser.get("/h5/police/me/").content.decode()
    assert "Not bound" in unbound and 'href="/h5/police/id/"' in unbound
    assert 'href="/h5/police/id/mine/"' in unbound
    make_binding(account=mock_account, openid=lina.openid)
    bound = browser.get("/h5/police/me/").content.decode()
    assert 'data-field="binding">Bound<' in bound and 'href="/h5/police/id/"' not in bound
    assert active_binding(account=mock_account, openid=lina.openid) is not None


def test_unbinding_cancels_the_upcoming_bookings_through_the_hook(browser, mock_account, lina):
    calls = []
    binding = make_binding(account=mock_account, openid=lina.openid)
    section = personal_data._sections["appointments.bookings"]
    assert section.on_unbind is not None
    try:
        personal_data.register(
            "test.hook", "Hook", lambda a, o: [], on_unbind=lambda **kw: calls.append(kw)
        )
        browser.post("/h5/police/id/unbind/", {"confirm": "yes"})
    finally:
        personal_data._sections.pop("test.hook")
    assert [c["binding"].pk for c in calls] == [binding.pk]
    assert calls[0]["binding"].unbound_at is not None


def test_a_failing_hook_leaves_the_binding_as_it_was(browser, mock_account, lina):
    def broken(**kwargs):
        raise RuntimeError("the other app is broken")

    make_binding(account=mock_account, openid=lina.openid)
    try:
        personal_data.register("test.broken", "Broken", lambda a, o: [], on_unbind=broken)
        with pytest.raises(RuntimeError):
            actions.do_unbind(binding=active_binding(account=mock_account, openid=lina.openid))
    finally:
        personal_data._sections.pop("test.broken")
    assert active_binding(account=mock_account, openid=lina.openid).name == "张三"
    assert not AuditLog.objects.filter(action="identity.unbound").exists()
