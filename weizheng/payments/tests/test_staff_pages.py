"""The back office: finance (fiona) sees orders, the ledger and reconciliation, exports CSV and
refunds; the administrator (alice) configures billers; an editor (bob) sees none of it; the
water department's pages are a 404 for the police administrator (percy)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone, translation

from weizheng.core.models import AuditLog
from weizheng.payments.models import Biller, Order, ReconciliationRun, Refund
from weizheng.staff.models import Department, Membership, Role
from weizheng.staff.testing import login_staff
from weizheng.wechat_mock import pay as mock_pay

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def people(pay_world, django_user_model):
    from conftest import make_account

    water = Department.objects.create(name="平安水务集团客服中心")
    water.accounts.add(pay_world.account)
    police_account = make_account(
        "police", mode="plain", app_id="wx1111111111111111", token="policetoken"
    )
    police = Department.objects.create(name="平安市公安局")
    police.accounts.add(police_account)
    clients = {}
    for username, department, role in (
        ("fiona", water, Role.FINANCE),
        ("alice", water, Role.ADMINISTRATOR),
        ("bob", water, Role.EDITOR),
        ("percy", police, Role.ADMINISTRATOR),
    ):
        user = django_user_model.objects.create_user(
            username, password="pw-123456789", is_staff=True
        )
        Membership.objects.create(user=user, department=department, role=role)
        client = Client()
        login_staff(client, user)
        clients[username] = client
    return clients


def _office(pay_world) -> str:
    return f"/office/accounts/{pay_world.account.pk}/payments"


def _paid(pay_world):
    order = pay_world.order()
    mock_pay.confirm_payment(prepay_id=order.prepay_id, openid=order.openid)
    order.refresh_from_db()
    return order


def test_finance_sees_the_orders_and_ledger_balances(pay_world, people):
    order = _paid(pay_world)

    page = people["fiona"].get(f"{_office(pay_world)}/").content.decode()

    assert order.out_trade_no in page
    assert 'data-testid="unbalanced"' not in page
    detail = people["fiona"].get(f"{_office(pay_world)}/orders/{order.pk}/").content.decode()
    assert f"pay:{order.out_trade_no}" in detail and f"settle:{order.out_trade_no}" in detail


def test_the_orders_export_is_csv_in_yuan_and_audited(pay_world, people):
    order = _paid(pay_world)

    response = people["fiona"].get(f"{_office(pay_world)}/?format=csv")

    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    yuan = f"{order.amount_fen // 100}.{order.amount_fen % 100:02d}"
    assert f"{order.out_trade_no},`{order.transaction_id}," in text and f",{yuan}," in text
    assert AuditLog.objects.filter(action="payments.orders_exported").count() == 1


def test_long_numbers_in_the_export_stay_text_and_round_trip(pay_world, people):
    import csv
    import io

    order = _paid(pay_world)

    text = people["fiona"].get(f"{_office(pay_world)}/?format=csv").content.decode("utf-8-sig")

    rows = list(csv.reader(io.StringIO(text)))
    row = next(r for r in rows if r[0] == order.out_trade_no)
    # a backtick, as WeChat Pay's bill: Excel shows the 28 digits, not 4.2E+27
    assert row[1] == f"`{order.transaction_id}" and len(order.transaction_id) == 28
    assert row[3] == f"`{order.reference}"
    assert [row[1].removeprefix("`"), row[3].removeprefix("`")] == [
        order.transaction_id,
        order.reference,
    ]


def test_finance_refunds_part_of_an_order(pay_world, people):
    order = _paid(pay_world)

    people["fiona"].post(
        f"{_office(pay_world)}/orders/{order.pk}/refund/",
        {"amount_yuan": "1.00", "reason": "多缴", "out_refund_no": "RF-OFFICE-1"},
    )

    refund = Refund.objects.get()
    assert (refund.out_refund_no, refund.amount_fen, refund.requested_by.username) == (
        "RF-OFFICE-1",
        100,
        "fiona",
    )
    assert AuditLog.objects.filter(action="payments.refund_requested").count() == 1


def test_an_administrator_without_the_refund_permission_cannot_refund(pay_world, people):
    order = _paid(pay_world)

    response = people["alice"].post(
        f"{_office(pay_world)}/orders/{order.pk}/refund/", {"amount_yuan": "1.00", "reason": "x"}
    )

    assert response.status_code == 403
    assert not Refund.objects.exists()


def test_an_editor_sees_no_payments(pay_world, people):
    _paid(pay_world)
    assert people["bob"].get(f"{_office(pay_world)}/").status_code == 403
    assert people["bob"].get(f"{_office(pay_world)}/reconciliation/").status_code == 403
    assert not AuditLog.objects.filter(action="payments.orders_exported").exists()


def test_another_departments_administrator_gets_a_404(pay_world, people):
    assert people["percy"].get(f"{_office(pay_world)}/").status_code == 404


def test_finance_reconciles_a_day_and_exports_the_findings(pay_world, people):
    order = _paid(pay_world)
    day = timezone.localdate() - dt.timedelta(days=1)
    Order.objects.filter(pk=order.pk).update(
        paid_at=dt.datetime.combine(day, dt.time(9), tzinfo=timezone.get_current_timezone())
    )

    people["fiona"].post(
        f"{_office(pay_world)}/reconciliation/run/", {"bill_date": day.isoformat()}
    )

    run = ReconciliationRun.objects.get()
    page = people["fiona"].get(f"{_office(pay_world)}/reconciliation/").content.decode()
    assert 'data-kind="missing_there"' in page  # WeChat paid it today, we moved it to yesterday
    csv_text = (
        people["fiona"]
        .get(f"{_office(pay_world)}/reconciliation/{run.pk}.csv")
        .content.decode("utf-8-sig")
    )
    assert order.out_trade_no in csv_text


def test_the_administrator_simulates_a_biller_outage(pay_world, people):
    assert people["fiona"].get(f"{_office(pay_world)}/billers/").status_code == 403

    people["alice"].post(
        f"{_office(pay_world)}/billers/{pay_world.water.pk}/toggle/",
        {"field": "demo_unavailable", "value": "1"},
    )

    assert Biller.objects.get(pk=pay_world.water.pk).demo_unavailable is True
    assert AuditLog.objects.filter(action="payments.biller_changed").count() == 1


def _merchant_form(**changes):
    from weizheng.payments import protocol
    from weizheng.wechat_mock import pay as mock_pay

    keys = mock_pay.platform()
    return {
        "name": "平安水务集团有限公司",
        "mchid": "1900099999",
        "apiv3_key": "",
        "private_key": "",
        "serial_no": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
        "platform_public_key": keys.public_key,
        "platform_public_key_id": keys.public_key_id,
        "api_base_url": "",
        "is_enabled": "on",
        **changes,
    } | (
        {"private_key": protocol.generate_private_key_pem()}
        if changes.get("private_key") == "new"
        else {}
    )


def test_the_administrator_changes_the_merchant_keeping_the_stored_secrets(pay_world, people):
    from weizheng.payments.models import Merchant

    old = Merchant.objects.get()

    response = people["alice"].post(f"{_office(pay_world)}/billers/", _merchant_form())

    assert response.status_code == 302
    merchant = Merchant.objects.get()
    assert merchant.mchid == "1900099999"
    assert (merchant.apiv3_key, merchant.private_key) == (old.apiv3_key, old.private_key)
    audit = AuditLog.objects.get(action="payments.merchant_saved")
    assert old.apiv3_key not in str(audit.detail) and audit.detail["secrets_changed"] == []


def test_a_bad_apiv3_key_is_refused_and_nothing_saved(pay_world, people):
    from weizheng.payments.models import Merchant

    page = people["alice"].post(f"{_office(pay_world)}/billers/", _merchant_form(apiv3_key="short"))

    assert 'data-error="apiv3_key"' in page.content.decode()
    assert Merchant.objects.get().mchid != "1900099999"
    assert not AuditLog.objects.filter(action="payments.merchant_saved").exists()


def test_finance_cannot_change_the_merchant(pay_world, people):
    from weizheng.payments.models import Merchant

    response = people["fiona"].post(f"{_office(pay_world)}/billers/", _merchant_form())

    assert response.status_code == 403
    assert Merchant.objects.get().mchid != "1900099999"


def test_the_administrator_points_a_biller_at_its_http_system(pay_world, people):
    response = people["alice"].post(
        f"{_office(pay_world)}/billers/{pay_world.water.pk}/",
        {
            "code": "water",
            "name": "平安市自来水有限公司",
            "kind": "water",
            "connector": "http",
            "base_url": "https://billing.water.example.cn/api",
            "secret": "k3y",
        },
    )

    assert response.status_code == 302
    biller = Biller.objects.get(pk=pay_world.water.pk)
    assert (biller.connector, biller.base_url, biller.secret) == (
        "http",
        "https://billing.water.example.cn/api",
        "k3y",
    )
    audit = AuditLog.objects.get(action="payments.biller_saved")
    assert "k3y" not in str(audit.detail)


def test_an_http_biller_without_an_address_is_refused(pay_world, people):
    page = people["alice"].post(
        f"{_office(pay_world)}/billers/new/",
        {"code": "heat", "name": "平安热力", "kind": "gas", "connector": "http", "base_url": ""},
    )

    assert 'data-error="base_url"' in page.content.decode()
    assert not Biller.objects.filter(code="heat").exists()


def _refunded_in_full(pay_world, order):
    from weizheng.payments import actions
    from weizheng.payments.models import RefundState

    refund = actions.check_request_refund(
        order=order,
        amount_fen=order.amount_fen,
        reason="重复缴费",
        actor=None,
        out_refund_no="RF-FULL-1",
        notify_url=pay_world.notify_url,
    )
    deadline = timezone.now() + dt.timedelta(seconds=5)
    while Refund.objects.get(pk=refund.pk).state != RefundState.SUCCEEDED:
        assert timezone.now() < deadline, "the refund notify did not come"
    order.refresh_from_db()
    return order


def test_a_write_off_called_off_by_a_full_refund_is_its_own_state_without_a_warning(
    pay_world, people
):
    from weizheng.payments.models import WriteOff

    order = pay_world.order()
    Biller.objects.filter(pk=pay_world.water.pk).update(demo_unavailable=True)
    mock_pay.confirm_payment(prepay_id=order.prepay_id, openid=order.openid)
    order.refresh_from_db()
    assert order.state == "paid"
    order = _refunded_in_full(pay_world, order)

    page = people["fiona"].get(f"{_office(pay_world)}/orders/{order.pk}/").content.decode()

    write_off = WriteOff.objects.get(order=order)
    assert (write_off.state, write_off.last_error) == ("called_off", "")
    with translation.override("en"):
        assert write_off.get_state_display() == "Called off (refunded in full)"
    # The clerk's page is in Chinese, the back office's default language.
    assert "已撤销（已全额退款）" in page
    assert "收费单位拒绝销账" not in page
    assert "The biller refused the write-off" not in page
    assert "called off:" not in page
    assert 'data-testid="reversal-due"' not in page


def test_a_full_refund_after_the_write_off_asks_finance_to_have_it_reversed(pay_world, people):
    from weizheng.payments.models import WriteOff

    order = _paid(pay_world)
    assert order.state == "settled"
    order = _refunded_in_full(pay_world, order)

    assert WriteOff.objects.get(order=order).state == "reversal_due"
    listing = people["fiona"].get(f"{_office(pay_world)}/?follow_up=reversal").content.decode()
    assert 'data-testid="reversals-due"' in listing and order.out_trade_no in listing
    page = people["fiona"].get(f"{_office(pay_world)}/orders/{order.pk}/").content.decode()
    assert 'data-testid="reversal-due"' in page and 'data-testid="mark-reversed"' in page
    assert AuditLog.objects.filter(action="payments.reversal_due").count() == 1

    people["bob"].post(f"{_office(pay_world)}/orders/{order.pk}/reversed/")
    assert WriteOff.objects.get(order=order).state == "reversal_due"  # an editor cannot
    people["fiona"].post(f"{_office(pay_world)}/orders/{order.pk}/reversed/")

    assert WriteOff.objects.get(order=order).state == "reversed"
    assert AuditLog.objects.get(action="payments.reversed").actor.username == "fiona"
    listing = people["fiona"].get(f"{_office(pay_world)}/").content.decode()
    assert 'data-testid="reversals-due"' not in listing


def test_a_partial_refund_after_the_write_off_needs_no_reversal(pay_world, people):
    from weizheng.payments import actions
    from weizheng.payments.models import WriteOff

    order = _paid(pay_world)
    actions.check_request_refund(
        order=order,
        amount_fen=100,
        reason="多缴",
        actor=None,
        out_refund_no="RF-PART-1",
        notify_url=pay_world.notify_url,
    )

    assert WriteOff.objects.get(order=order).state == "done"


def test_the_order_page_names_movements_and_events_for_finance(pay_world, people):
    import re

    order = _paid(pay_world)

    page = people["fiona"].get(f"{_office(pay_world)}/orders/{order.pk}/").content.decode()
    billers = people["alice"].get(f"{_office(pay_world)}/billers/").content.decode()

    sources = re.findall(r'data-source="(\w+)">([^<]*)<', page)
    assert sources and all(raw != shown for raw, shown in sources)
    labels = re.findall(r'<td title="(pay|settle):[^"]*">([^<]*) <span', page)
    assert {raw for raw, _label in labels} == {"pay", "settle"}
    assert all(label and label != raw for raw, label in labels)
    assert 'data-connector="demo">演示<' in billers


def test_a_write_off_error_is_shown_in_words_with_the_raw_detail_aside(pay_world, people):
    import re

    from weizheng.payments.models import WriteOff

    order = pay_world.order()
    Biller.objects.filter(pk=pay_world.water.pk).update(demo_unavailable=True)
    mock_pay.confirm_payment(prepay_id=order.prepay_id, openid=order.openid)
    order.refresh_from_db()

    page = people["fiona"].get(f"{_office(pay_world)}/orders/{order.pk}/").content.decode()

    assert WriteOff.objects.get(order=order).last_error.startswith("unavailable: ")
    shown = re.search(r'data-field="write-off-error" title="([^"]*)">([^<]*)<', page)
    assert shown is not None
    assert "outage" in shown.group(1)  # the raw detail, as a tooltip
    assert "outage" not in shown.group(2) and shown.group(2)
