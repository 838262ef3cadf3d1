"""The demo's bindings: personas bound with valid IDs, one left unbound, idempotent."""

from __future__ import annotations

import pytest

from conftest import make_account
from weizheng.identity import demo
from weizheng.identity.idcard import check_id_number
from weizheng.identity.models import Binding
from weizheng.identity.selectors import active_binding
from weizheng.simulator.personas import PERSONAS_BY_KEY
from weizheng.wechat_mock import actions as mock

pytestmark = pytest.mark.django_db


@pytest.fixture
def police(db):
    account = make_account("police", mode="plain", app_id="wx5a3f0c1d2e4b6a70", token="policetoken")
    mock.register_app(
        appid=account.app_id,
        secret=account.app_secret,
        callback_url="http://127.0.0.1:9/wx/police/",
        token=account.token,
        encoding_aes_key="",
        message_mode="plain",
        name="平安市公安局",
    )
    return account


def openid(account, key):
    from weizheng.wechat_mock.selectors import get_app

    app = get_app(account.app_id)
    return PERSONAS_BY_KEY[key].openid_for(app.appid, app.openid_prefix)


def test_the_demo_binds_two_personas_and_leaves_lin_xiaoyu_unbound(police):
    demo.load_demo()
    demo.load_demo()

    assert Binding.objects.filter(account=police).count() == 2
    zhou = active_binding(account=police, openid=openid(police, "zhou-ming"))
    assert zhou.name == "周明" and zhou.consents.count() == 1
    assert active_binding(account=police, openid=openid(police, "lin-xiaoyu")) is None
    for _, _, _, id_number, _ in demo.BINDINGS:
        assert check_id_number(id_number) == id_number
