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
