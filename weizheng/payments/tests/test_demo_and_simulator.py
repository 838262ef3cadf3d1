"""The demo's merchants and billers, the water account's menu, and the simulator's payment sheet
API (what the phone shows, and paying through it)."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import make_account
from weizheng.menus.actions import do_save_menu
from weizheng.payments import demo
from weizheng.payments.models import Biller, Merchant, OrderState
from weizheng.wechat_mock.models import MockPayMerchant


@pytest.mark.django_db
def test_the_demo_gives_the_water_and_police_accounts_merchants_and_billers():
    water = make_account(
        "water",
        mode="plain",
        app_id="wx7c2e9a4b1d3f5e80",
        token="watertoken",
        api_base_url="http://127.0.0.1:8001/wxmock",
    )
    make_account(
        "police",
        mode="plain",
        app_id="wx5a3f0c1d2e4b6a70",
        token="policetoken",
        api_base_url="http://127.0.0.1:8001/wxmock",
    )

    demo.load_demo()
    demo.load_demo()  # safe to run again

    assert sorted(Biller.objects.values_list("account__slug", "code")) == [
        ("police", "fines"),
        ("water", "gas"),
        ("water", "power"),
        ("water", "water"),
    ]
    merchant = Merchant.objects.get(account=water)
    assert merchant.api_base_url == "http://127.0.0.1:8001/wxmock/pay"
    assert MockPayMerchant.objects.get(mchid=merchant.mchid).apiv3_key == merchant.apiv3_key
    do_save_menu(
        account=water,
        structure=demo.water_menu("https://wx.example.gov.cn/h5"),
        actor=None,
        name="生活缴费",
    )


@pytest.mark.django_db(transaction=True)
def test_the_simulators_payment_sheet_shows_the_order_and_pays_it(pay_world):
    order = pay_world.order()
    client = Client()
    url = f"/simulator/api/{pay_world.account.slug}/users/{pay_world.openid}/pay/{order.prepay_id}"

    sheet = client.get(url).json()
    other = client.get(
        f"/simulator/api/{pay_world.account.slug}/users/oSomeoneElse/pay/{order.prepay_id}"
    )
    paid = client.post(url, data="{}", content_type="application/json")

    assert sheet["total"] == order.amount_fen and sheet["merchant_name"] == "平安水务集团"
    assert sheet["trade_state"] == "NOTPAY"
    assert other.status_code == 403
    assert paid.json() == {"trade_state": "SUCCESS"}
    order.refresh_from_db()
    assert order.state == OrderState.SETTLED


@pytest.mark.django_db(transaction=True)
def test_the_demo_history_is_settled_on_both_sides_and_reconciles_cleanly(live_server):
    import datetime as dt

    from django.utils import timezone

    from weizheng.payments.models import Order
    from weizheng.wechat_mock import actions as mock

    water = make_account(
        "water",
        mode="plain",
        app_id="wx7c2e9a4b1d3f5e80",
        token="watertoken",
        api_base_url=live_server.url + "/wxmock",
    )
    mock.register_app(appid=water.app_id, secret=water.app_secret, token=water.token)
    mock.create_user(water.app_id, nickname="张伟", city="平安")
    demo.load_demo()

    demo._history()
    demo._history()  # once

    orders = Order.objects.filter(account=water)
    assert orders.count() == 2 and {o.state for o in orders} == {OrderState.SETTLED}
    from weizheng.payments.actions import do_reconcile

    run = do_reconcile(account=water, bill_date=timezone.localdate() - dt.timedelta(days=1))
    assert (run.error, run.our_count, run.their_count) == ("", 2, 2)
    assert not run.findings.exists()


ZHOU_MING_ID = "440304198506120035"  # weizheng/identity/demo.py


@pytest.mark.parametrize("today", ["2026-01-01", "2026-06-15", "2026-11-27", "2027-03-01"])
def test_the_demo_persona_zhou_ming_always_has_unpaid_fines_among_his_violations(today):
    import datetime as dt

    from weizheng.payments import connectors
    from weizheng.records.connectors import demo as records_demo

    day = dt.date.fromisoformat(today)
    unpaid = [f for f in connectors.citizen_fines(ZHOU_MING_ID, day) if not f["paid_elsewhere"]]
    plate = records_demo.citizen_plates(ZHOU_MING_ID)[0]
    _summary, violations = records_demo.violations(ZHOU_MING_ID, {"plate": plate}, day)

    assert [f["fine"] for f in unpaid][-2:] == [15_000, 10_000]
    # the same violations 综合查询 shows, decided (已处理)
    shown = {(v["behaviour"], v["occurred_at"]) for v in violations if v["is_handled"]}
    assert {(f["behaviour"], f["occurred_at"]) for f in unpaid} <= shown


def test_the_fines_keyword_reply_is_a_link_to_the_fines_page():
    text = demo.fines_reply_text("http://127.0.0.1:8000/h5/")

    assert '<a href="http://127.0.0.1:8000/h5/police/pay/fines/">缴纳交通违法罚款</a>' in text


def test_the_police_menu_offers_paying_fines_under_services():
    from weizheng.menus.demo import police_demo_structure

    services = police_demo_structure("https://wx.example.gov.cn/h5")["button"][1]
    assert services["name"] == "服务事项"
    assert len(services["sub_button"]) == 5  # WeChat's most
    assert services["sub_button"][-1] == {
        "type": "view",
        "name": "缴纳罚款",
        "url": "https://wx.example.gov.cn/h5/police/pay/fines/",
    }
