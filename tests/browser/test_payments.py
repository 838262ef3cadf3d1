"""Paying a water bill on the simulated phone: look the bill up, pay in WeChat's payment sheet
(played by the simulator over the mock WeChat Pay), the receipt, and the bill shows paid."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from weizheng.menus.actions import do_publish_menu, do_save_menu
from weizheng.payments import protocol
from weizheng.payments.models import Biller, Merchant, Order
from weizheng.wechat_mock import pay as mock_pay

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

APIV3_KEY = "b12d3924fd499edac8a5efc4a1b2c3d5"


@pytest.fixture
def pay_account(mock_account, live_server):
    """The mock account takes water bills: a merchant on the mock WeChat Pay, the demo water
    biller, and a 生活缴费 → 水费 menu button opening the lookup page."""
    private = protocol.generate_private_key_pem()
    mock_pay.register_merchant(
        mchid="1900012601",
        appid=mock_account.app_id,
        apiv3_key=APIV3_KEY,
        merchant_public_key=protocol.public_key_pem(private),
        merchant_serial="ABC123",
        name="平安水务集团有限公司",
    )
    keys = mock_pay.platform()
    Merchant.objects.create(
        account=mock_account,
        name="平安水务集团有限公司",
        mchid="1900012601",
        apiv3_key=APIV3_KEY,
        private_key=private,
        serial_no="ABC123",
        platform_public_key=keys.public_key,
        platform_public_key_id=keys.public_key_id,
        api_base_url=live_server.url + "/wxmock/pay",
    )
    Biller.objects.create(
        account=mock_account, code="water", name="平安市自来水有限公司", kind="water"
    )
    url = f"{live_server.url}/h5/{mock_account.slug}/pay/water/"
    menu = do_save_menu(
        account=mock_account,
        structure={
            "button": [
                {"name": "生活缴费", "sub_button": [{"type": "view", "name": "水费", "url": url}]}
            ]
        },
        actor=None,
        name="缴费",
    )
    do_publish_menu(menu=menu, actor=None)
    return mock_account


def test_a_citizen_pays_a_water_bill_in_the_simulator(page, simulator_url, personas, pay_account):
    citizen = personas["zhou-ming"]
    page.goto(simulator_url(citizen.openid))
    page.get_by_role("button", name="生活缴费").click()
    page.get_by_role("menuitem", name="水费").click()
    frame = page.frame_locator('[data-test="webview-frame"]')

    frame.locator('[data-testid="suggestion"]').first.click()
    amount = frame.locator('[data-testid="bill"] [data-testid="amount"]')
    expect(amount).to_be_visible()
    shown = amount.inner_text()
    frame.locator('[data-testid="pay"]').click()
    frame.locator('[data-testid="wxpay"]').click()

    # WeChat's payment sheet, played by the simulator: the amount, then 支付.
    expect(page.locator('[data-test="pay-sheet-amount"]')).to_have_text(shown, timeout=10_000)
    page.click('[data-test="dialog-ok"]')

    receipt = frame.locator('[data-testid="receipt"]')
    expect(receipt).to_have_attribute("data-state", "settled")
    order = Order.objects.get()
    expect(frame.locator('[data-field="transaction-id"]')).to_have_text(order.transaction_id)
    expect(frame.locator('[data-field="order-no"]')).to_have_text(order.out_trade_no)
    assert order.openid == citizen.openid and order.state == "settled"

    # The bill now shows paid: it is no longer a quick pick, and looking it up again offers
    # nothing to pay but the receipt.
    frame.locator(".h5-foot a").last.click()
    frame.locator('[data-biller="water"]').click()
    expect(frame.locator('[data-testid="suggestion"]')).to_have_count(1)
    frame.locator("#id_reference").fill(order.reference)
    frame.locator('[data-testid="lookup"]').click()
    expect(frame.locator('[data-testid="notice"]')).to_be_visible()
    expect(frame.locator('[data-testid="receipt-link"]')).to_be_visible()
    expect(frame.locator('[data-testid="order-form"]')).to_have_count(0)
