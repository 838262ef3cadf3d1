"""The citizen's pages: look a bill up, order it, the pay page's signed parameters, the receipt
(with the fallback query when the notify is late), fines in the bound citizen's name."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from weizheng.core.models import AuditLog
from weizheng.identity.testing import make_binding
from weizheng.payments import connectors, protocol
from weizheng.payments.models import Order, OrderState
from weizheng.wechat.oauth import OPENIDS_KEY
from weizheng.wechat_mock import pay as mock_pay

from .conftest import merchant_private_key

pytestmark = pytest.mark.django_db(transaction=True)
ZHANG_ID = "11010519491231002X"


def _client(pay_world, openid=None) -> Client:
    client = Client()
    session = client.session
    session[OPENIDS_KEY] = {str(pay_world.account.pk): openid or pay_world.openid}
    session.save()
    return client


def _h5(pay_world) -> str:
    return f"/h5/{pay_world.account.slug}/pay"


def _order_through_pages(pay_world, client, biller="water", reference="3100012345"):
    page = client.post(f"{_h5(pay_world)}/{biller}/", {"reference": reference})
    assert page.status_code == 200
    amount = re.search(r'name="amount_fen" value="(\d+)"', page.content.decode()).group(1)
    response = client.post(
        f"{_h5(pay_world)}/{biller}/order", {"reference": reference, "amount_fen": amount}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return Order.objects.filter(reference=reference).latest("pk"), response["Location"]


def test_the_index_lists_the_billers(pay_world):
    page = _client(pay_world).get(f"{_h5(pay_world)}/").content.decode()
    assert page.count("data-biller=") == 3
    assert "平安市自来水有限公司" in page


def test_looking_a_bill_up_shows_its_amount_in_yuan_and_details(pay_world):
    page = _client(pay_world).post(f"{_h5(pay_world)}/water/", {"reference": "3100012345"})
    bill = connectors.DemoUtility(pay_world.water).lookup("3100012345", subject=None)
    text = page.content.decode()
    yuan = f"¥{bill.amount_fen // 100:,}.{bill.amount_fen % 100:02d}"
    assert f'data-testid="amount">{yuan}<' in text
    assert "用水量" in text and bill.period in text


def test_an_unknown_account_number_gets_a_clear_message_and_no_pay_button(pay_world):
    page = (
        _client(pay_world)
        .post(f"{_h5(pay_world)}/water/", {"reference": "1234567"})
        .content.decode()
    )
    # the water account's page is served in Chinese
    assert "收费单位没有该户号的账单。" in page
    assert 'data-testid="order-form"' not in page


def test_a_reference_not_in_the_billers_format_is_a_form_error(pay_world):
    page = _client(pay_world).post(f"{_h5(pay_world)}/water/", {"reference": "../../admin"})

    assert page.status_code == 400
    assert 'data-testid="error"' in page.content.decode()
    assert 'data-testid="order-form"' not in page.content.decode()


def test_the_pay_page_hands_signed_parameters_to_the_payment_sheet(pay_world):
    client = _client(pay_world)
    order, location = _order_through_pages(pay_world, client)
    assert location.endswith(f"/orders/{order.out_trade_no}/")

    page = client.get(location).content.decode()

    raw = re.search(
        r'<script id="pay-parameters" type="application/json">(.*?)</script>', page, re.S
    )
    parameters = json.loads(raw.group(1))
    assert parameters["package"] == f"prepay_id={order.prepay_id}"
    assert parameters["appId"] == pay_world.account.app_id
    message = (
        "\n".join(
            [
                parameters["appId"],
                parameters["timeStamp"],
                parameters["nonceStr"],
                parameters["package"],
            ]
        )
        + "\n"
    )
    public = protocol.public_key_pem(merchant_private_key())
    assert protocol.rsa_verify(public, message, parameters["paySign"])


def test_another_citizen_cannot_open_my_order(pay_world):
    order, location = _order_through_pages(pay_world, _client(pay_world))
    other = _client(pay_world, openid="oSomeoneElse000000000000000")
    assert other.get(location).status_code == 404
    assert other.get(f"{_h5(pay_world)}/orders/{order.out_trade_no}/receipt").status_code == 404


def test_after_paying_the_receipt_shows_the_transaction_and_the_write_off(pay_world):
    client = _client(pay_world)
    order, _ = _order_through_pages(pay_world, client)
    mock_pay.confirm_payment(prepay_id=order.prepay_id, openid=order.openid)

    page = client.get(f"{_h5(pay_world)}/orders/{order.out_trade_no}/receipt").content.decode()

    order.refresh_from_db()
    assert 'data-state="settled"' in page
    assert order.transaction_id in page and order.out_trade_no in page
    assert "已支付，收费单位已销账" in page
    # The bill now shows paid at the biller.
    again = client.post(f"{_h5(pay_world)}/water/", {"reference": "3100012345"}).content.decode()
    assert "该账单已缴清。" in again


def test_the_receipt_asks_wechat_pay_when_the_notify_has_not_come(pay_world):
    client = _client(pay_world)
    order, _ = _order_through_pages(pay_world, client)
    mock_pay.confirm_payment(prepay_id=order.prepay_id, openid=order.openid, send_notify=False)

    page = client.get(f"{_h5(pay_world)}/orders/{order.out_trade_no}/receipt").content.decode()

    assert 'data-testid="receipt"' in page
    assert Order.objects.get(pk=order.pk).state == OrderState.SETTLED


def test_cancelling_closes_the_order_at_wechat_pay_and_frees_the_bill(pay_world):
    client = _client(pay_world)
    order, _ = _order_through_pages(pay_world, client)

    client.post(f"{_h5(pay_world)}/orders/{order.out_trade_no}/cancel")

    order.refresh_from_db()
    assert order.state == OrderState.CLOSED
    assert (
        mock_pay.MockPayOrder.objects.get(out_trade_no=order.out_trade_no).trade_state == "CLOSED"
    )
    second, _ = _order_through_pages(pay_world, client)
    assert second.pk != order.pk


def test_fines_need_a_real_name_binding(pay_world):
    response = _client(pay_world).get(f"{_h5(pay_world)}/fines/")
    assert response.status_code == 302
    assert "/id/" in response["Location"]


def _fines(today):
    return connectors.citizen_fines(ZHANG_ID, today)


def _citizen_with_an_unpaid_fine() -> tuple[str, list[dict]]:
    """Demo data follow the calendar: take the first of a few ID numbers with an unpaid fine."""
    from weizheng.identity.idcard import check_digit

    for serial in range(100, 400):
        base = f"44030519850615{serial:03d}"
        id_number = base + check_digit(base)
        unpaid = [
            f
            for f in connectors.citizen_fines(id_number, timezone.localdate())
            if not f["paid_elsewhere"]
        ]
        if unpaid:
            return id_number, unpaid
    raise AssertionError("no demo citizen with an unpaid fine")


def test_a_bound_citizen_pays_their_own_fine_by_decision_number(pay_world):
    id_number, unpaid = _citizen_with_an_unpaid_fine()
    make_binding(
        account=pay_world.account, openid=pay_world.openid, name="张伟", id_number=id_number
    )
    client = _client(pay_world)
    page = client.get(f"{_h5(pay_world)}/fines/").content.decode()
    assert unpaid[-1]["decision_number"] in page  # offered as a quick pick

    order, _ = _order_through_pages(pay_world, client, "fines", unpaid[-1]["decision_number"])

    assert order.kind == "fine" and order.amount_fen == unpaid[-1]["fine"]


def test_a_fine_paid_already_is_refused_with_the_reason(pay_world):
    make_binding(
        account=pay_world.account, openid=pay_world.openid, name="张伟", id_number=ZHANG_ID
    )
    today = timezone.localdate()
    paid = [f for f in _fines(today) if f["paid_elsewhere"]]
    assert paid, "the persona's demo data has old fines paid at a bank"

    page = _client(pay_world).post(
        f"{_h5(pay_world)}/fines/", {"reference": paid[0]["decision_number"]}
    )

    assert "该罚款已缴纳。" in page.content.decode()
    assert not Order.objects.exists()
    audit = AuditLog.objects.get(action="payments.fine_lookup")
    assert audit.detail == {
        "decision_number": paid[0]["decision_number"],
        "outcome": "already_paid",
    }


def test_a_decision_number_of_someone_else_is_not_found(pay_world):
    make_binding(
        account=pay_world.account, openid=pay_world.openid, name="张伟", id_number=ZHANG_ID
    )
    page = _client(pay_world).post(f"{_h5(pay_world)}/fines/", {"reference": "4409991234567890"})
    assert "您名下没有该决定书编号的未缴罚款。" in page.content.decode()


def test_a_fine_paid_here_is_no_longer_offered_as_unpaid(pay_world):
    id_number, unpaid = _citizen_with_an_unpaid_fine()
    make_binding(
        account=pay_world.account, openid=pay_world.openid, name="张伟", id_number=id_number
    )
    client = _client(pay_world)
    number = unpaid[-1]["decision_number"]
    order, _ = _order_through_pages(pay_world, client, "fines", number)
    mock_pay.confirm_payment(prepay_id=order.prepay_id, openid=order.openid, send_notify=False)
    client.get(f"{_h5(pay_world)}/orders/{order.out_trade_no}/receipt")  # the fallback query
    order.refresh_from_db()
    assert order.state in (OrderState.PAID, OrderState.SETTLED)

    page = client.get(f"{_h5(pay_world)}/fines/").content.decode()

    assert number not in page


def test_a_bound_citizen_without_unpaid_fines_is_told_so(pay_world):
    from weizheng.identity.idcard import check_digit

    for serial in range(100, 400):
        base = f"44030519850615{serial:03d}"
        id_number = base + check_digit(base)
        if not [f for f in _fines_of(id_number) if not f["paid_elsewhere"]]:
            break
    make_binding(
        account=pay_world.account, openid=pay_world.openid, name="张伟", id_number=id_number
    )

    page = _client(pay_world).get(f"{_h5(pay_world)}/fines/").content.decode()

    assert 'data-testid="no-fines"' in page
    assert 'data-testid="suggestion"' not in page


def test_a_citizen_with_unpaid_fines_is_not_told_there_are_none(pay_world):
    id_number, _unpaid = _citizen_with_an_unpaid_fine()
    make_binding(
        account=pay_world.account, openid=pay_world.openid, name="张伟", id_number=id_number
    )

    page = _client(pay_world).get(f"{_h5(pay_world)}/fines/").content.decode()

    assert 'data-testid="no-fines"' not in page


def _fines_of(id_number):
    return connectors.citizen_fines(id_number, timezone.localdate())


def test_the_receipt_names_the_bill_holder_as_such_and_the_seal_is_the_payees(pay_world):
    client = _client(pay_world)
    order, _ = _order_through_pages(pay_world, client)
    mock_pay.confirm_payment(prepay_id=order.prepay_id, openid=order.openid, send_notify=False)

    page = client.get(f"{_h5(pay_world)}/orders/{order.out_trade_no}/receipt").content.decode()

    assert 'data-field="holder-label">户名<' in page
    assert "缴费人" not in page  # the holder is not necessarily who paid
    assert 'data-field="seal">平安市自来水有限公司<' in page


def test_a_fine_is_shown_in_fine_wording(pay_world):
    id_number, unpaid = _citizen_with_an_unpaid_fine()
    make_binding(
        account=pay_world.account, openid=pay_world.openid, name="张伟", id_number=id_number
    )
    client = _client(pay_world)
    number = unpaid[-1]["decision_number"]

    lookup = client.post(f"{_h5(pay_world)}/fines/", {"reference": number}).content.decode()
    order, _ = _order_through_pages(pay_world, client, "fines", number)
    mock_pay.confirm_payment(prepay_id=order.prepay_id, openid=order.openid, send_notify=False)
    receipt = client.get(f"{_h5(pay_world)}/orders/{order.out_trade_no}/receipt").content.decode()

    for page in (lookup, receipt):
        assert 'data-field="holder-label">' in page
        assert "户名" not in page and "缴费人" not in page
    assert "应缴罚款" in lookup
    assert "按账单全额缴纳" not in lookup  # the bill's wording


def test_the_index_lists_what_this_account_takes(pay_world):
    from weizheng.payments.models import Biller

    Biller.objects.filter(pk=pay_world.fines.pk).update(is_enabled=False)

    page = _client(pay_world).get(f"{_h5(pay_world)}/").content.decode()

    offered = re.search(r'data-testid="offered">([^<]*)<', page).group(1)
    assert "水费" in offered and "电费" in offered
    assert "交通违法罚款" not in page and "燃气费" not in offered


def test_a_bill_paid_already_is_a_notice_with_the_receipt_and_no_longer_a_quick_pick(pay_world):
    client = _client(pay_world)
    order, _ = _order_through_pages(pay_world, client)
    mock_pay.confirm_payment(prepay_id=order.prepay_id, openid=order.openid, send_notify=False)
    client.get(f"{_h5(pay_world)}/orders/{order.out_trade_no}/receipt")  # the fallback query

    again = client.post(f"{_h5(pay_world)}/water/", {"reference": "3100012345"}).content.decode()
    form = client.get(f"{_h5(pay_world)}/water/").content.decode()

    notice = re.search(r'data-testid="notice">(.*?)</div>', again, re.S).group(1)
    assert "该账单已缴清。" in notice
    assert f"/orders/{order.out_trade_no}/receipt" in notice
    assert 'data-testid="error"' not in again
    picks = re.findall(r'data-testid="suggestion">(\d+)<', form)
    assert picks == ["3100056789"]


def test_the_receipt_refreshes_itself_only_while_the_write_off_is_pending(pay_world):
    import datetime as dt

    from weizheng.payments import actions
    from weizheng.payments.models import Biller

    client = _client(pay_world)
    order, _ = _order_through_pages(pay_world, client)
    Biller.objects.filter(pk=pay_world.water.pk).update(demo_unavailable=True)
    mock_pay.confirm_payment(prepay_id=order.prepay_id, openid=order.openid, send_notify=False)
    receipt_url = f"{_h5(pay_world)}/orders/{order.out_trade_no}/receipt"

    pending = client.get(receipt_url).content.decode()
    assert 'data-state="paid"' in pending and 'http-equiv="refresh"' in pending

    Biller.objects.filter(pk=pay_world.water.pk).update(demo_unavailable=False)
    actions.process_due_write_offs(now=timezone.now() + dt.timedelta(hours=1))
    done = client.get(receipt_url).content.decode()
    assert 'data-state="settled"' in done and 'http-equiv="refresh"' not in done
