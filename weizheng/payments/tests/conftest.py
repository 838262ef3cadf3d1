"""The payments world: the water account (平安水务集团) with a WeChat Pay merchant on the mock
WeChat Pay over real HTTP (live_server), the demo water and power billers, and the citizen
张伟 (his openid only: the pay pages sign him in through the mock's OAuth when tests need it).
Tests assert English messages."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from conftest import make_account
from weizheng.payments import protocol
from weizheng.payments.models import Biller, LedgerEntry, Merchant
from weizheng.wechat_mock import pay as mock_pay

MCHID = "1900000109"
APIV3_KEY = "a12d3924fd499edac8a5efc4a1b2c3d4"  # 32 bytes
SERIAL = "3775B6A45ACD588826D15E583A95F5DD"


@functools.cache
def merchant_private_key() -> str:
    return protocol.generate_private_key_pem()


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@dataclass
class PayWorld:
    account: Any
    merchant: Merchant
    water: Biller
    power: Biller
    fines: Biller
    notify_url: str
    live_url: str
    openid: str

    def order(self, reference: str = "3100012345", biller: Biller | None = None, openid: str = ""):
        from weizheng.payments import actions

        return actions.check_create_order(
            account=self.account,
            openid=openid or self.openid,
            biller=biller or self.water,
            reference=reference,
            subject=None,
            amount_fen=None,
            notify_url=self.notify_url,
        )


@pytest.fixture
def pay_world(live_server, transactional_db) -> PayWorld:
    from weizheng.wechat_mock import actions as mock

    account = make_account(
        "water",
        mode="plain",
        app_id="wx7c2e9a4b1d3f5e80",
        token="watertoken",
        name="平安水务集团",
        app_secret="0123456789abcdef0123456789abcdef",
        api_base_url=live_server.url + "/wxmock",
    )
    mock.register_app(
        appid=account.app_id,
        secret=account.app_secret,
        callback_url=f"{live_server.url}/wx/{account.slug}/",
        token=account.token,
        name=account.name,
    )
    zhang = mock.create_user(account.app_id, nickname="张伟", city="平安")
    private = merchant_private_key()
    mock_pay.register_merchant(
        mchid=MCHID,
        appid=account.app_id,
        apiv3_key=APIV3_KEY,
        merchant_public_key=protocol.public_key_pem(private),
        merchant_serial=SERIAL,
        name="平安水务集团",
    )
    keys = mock_pay.platform()
    merchant = Merchant.objects.create(
        account=account,
        name="平安水务集团",
        mchid=MCHID,
        apiv3_key=APIV3_KEY,
        private_key=private,
        serial_no=SERIAL,
        platform_public_key=keys.public_key,
        platform_public_key_id=keys.public_key_id,
        api_base_url=live_server.url + "/wxmock/pay",
    )
    water = Biller.objects.create(
        account=account, code="water", name="平安市自来水有限公司", kind="water"
    )
    power = Biller.objects.create(account=account, code="power", name="平安供电局", kind="power")
    fines = Biller.objects.create(
        account=account, code="fines", name="平安市公安局交通警察支队", kind="fine"
    )
    return PayWorld(
        account=account,
        merchant=merchant,
        water=water,
        power=power,
        fines=fines,
        notify_url=live_server.url + reverse("payments:notify", args=[account.slug]),
        live_url=live_server.url,
        openid=zhang.openid,
    )


def assert_ledger_balanced() -> None:
    """Every movement's legs sum to zero, and so does the whole ledger."""
    totals: dict[str, int] = {}
    for entry in LedgerEntry.objects.all():
        totals[entry.movement] = totals.get(entry.movement, 0) + entry.amount_fen
    assert all(v == 0 for v in totals.values()), totals
