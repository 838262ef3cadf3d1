"""Demo payments: the water account (平安水务集团) takes water, electricity and gas bills for the
city's three utilities (one merchant, three billers), the police account takes traffic fines
(its own merchant, the traffic police as biller). Both merchants live on the mock WeChat Pay,
whose platform key is generated once and kept.

`publish_demo` adds two settled payments of 张伟 yesterday (both sides: ours and the mock WeChat
Pay's) and reconciles yesterday, then gives the water account its menu (生活缴费 → 水费 / 电费 / 燃气费 / 缴费记录) and
the police account a 罚款 keyword reply with the link to 缴纳罚款 (the police menu's 服务事项 has
缴纳罚款 too: weizheng/menus/demo.py). The persona 周明, bound on the police account, has two
unpaid fines (records' demo violations: weizheng/records/connectors/demo.py PINNED_VIOLATIONS).

Try it in the simulator: water account → 生活缴费 → 水费 → a demo account number (3100012345)
→ 缴费 → 支付 in the payment sheet → the receipt. Safe to run again."""

from __future__ import annotations

import os
import secrets
from typing import Any

from django.db import transaction
from django.utils.html import escape

from weizheng.wechat.models import OfficialAccount

from . import protocol
from .models import Biller, Merchant

# slug -> merchant name, mchid, billers (code, name, kind)
MERCHANTS: dict[str, tuple[str, str, list[tuple[str, str, str]]]] = {
    "water": (
        "平安水务集团有限公司",
        "1900012601",
        [
            ("water", "平安市自来水有限公司", "water"),
            ("power", "平安供电局", "power"),
            ("gas", "平安港华燃气有限公司", "gas"),
        ],
    ),
    "police": (
        "平安市公安局交通警察支队",
        "1900012602",
        [("fines", "平安市公安局交通警察支队", "fine")],
    ),
}


def load_demo() -> None:
    from weizheng.wechat_mock import pay as mock_pay

    for slug, (name, mchid, billers) in MERCHANTS.items():
        account = OfficialAccount.objects.filter(slug=slug).first()
        if account is None:
            continue
        with transaction.atomic():
            merchant = Merchant.objects.filter(account=account).first()
            if merchant is None:
                private = protocol.generate_private_key_pem()
                merchant = Merchant(
                    account=account,
                    name=name,
                    mchid=mchid,
                    apiv3_key=secrets.token_hex(16),
                    private_key=private,
                    serial_no=secrets.token_hex(20).upper(),
                )
            keys = mock_pay.platform()
            merchant.platform_public_key = keys.public_key
            merchant.platform_public_key_id = keys.public_key_id
            merchant.api_base_url = account.api_base_url.rstrip("/") + "/pay"
            merchant.save()
            mock_pay.register_merchant(
                mchid=merchant.mchid,
                appid=account.app_id,
                apiv3_key=merchant.apiv3_key,
                merchant_public_key=protocol.public_key_pem(merchant.private_key),
                merchant_serial=merchant.serial_no,
                name=name,
            )
            for position, (code, biller_name, kind) in enumerate(billers):
                Biller.objects.update_or_create(
                    account=account,
                    code=code,
                    defaults={"name": biller_name, "kind": kind, "position": position},
                )


# 张伟's payments of yesterday on the water account (biller code, account number), so that the
# finance pages and yesterday's reconciliation have something to show.
HISTORY = [("water", "3100056789"), ("gas", "7100078901")]


def _history() -> None:
    """Yesterday's settled payments of 张伟, on both sides (ours and the mock WeChat Pay's), as if
    paid, notified and written off then. Written directly: no message goes out today."""
    import datetime as dt

    from django.utils import timezone

    from weizheng.wechat_mock.models import MockPayMerchant, MockPayOrder, MockUser

    from . import actions, connectors
    from .models import LedgerAccount, Order, OrderState, WriteOff, WriteOffState

    water = OfficialAccount.objects.filter(slug="water").first()
    merchant = Merchant.objects.filter(account=water).first() if water else None
    zhang = (
        MockUser.objects.filter(app__appid=water.app_id, nickname="张伟").first() if water else None
    )
    if water is None or merchant is None or zhang is None:
        return
    if Order.objects.filter(account=water, openid=zhang.openid).exists():
        return
    mock_merchant = MockPayMerchant.objects.get(mchid=merchant.mchid)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    tz = timezone.get_current_timezone()
    for index, (code, reference) in enumerate(HISTORY):
        biller = Biller.objects.get(account=water, code=code)
        bill = connectors.connector_for(biller).lookup(reference, subject=None)
        if bill.is_paid:
            continue
        paid_at = dt.datetime.combine(yesterday, dt.time(19, 12 + index * 7, 3), tzinfo=tz)
        out_trade_no = f"WZ{paid_at:%Y%m%d%H%M%S}{index + 1:08d}"
        transaction_id = f"42000{paid_at:%Y%m%d}{index + 1:015d}"
        with transaction.atomic():
            order = Order.objects.create(
                account=water,
                openid=zhang.openid,
                kind="bill",
                biller=biller,
                reference=reference,
                period=bill.period,
                description=f"{biller.name} {bill.period} {reference}",
                payer_label=bill.holder,
                amount_fen=bill.amount_fen,
                out_trade_no=out_trade_no,
                prepay_id=f"wxdemo{index}{secrets.token_hex(8)}",
                transaction_id=transaction_id,
                state=OrderState.SETTLED,
                paid_at=paid_at,
                settled_at=paid_at + dt.timedelta(seconds=3),
            )
            MockPayOrder.objects.create(
                merchant=mock_merchant,
                appid=water.app_id,
                out_trade_no=out_trade_no,
                description=order.description,
                total=order.amount_fen,
                payer_openid=zhang.openid,
                notify_url="",
                prepay_id=order.prepay_id,
                transaction_id=transaction_id,
                trade_state="SUCCESS",
                success_time=paid_at,
                created_at=paid_at - dt.timedelta(seconds=40),
            )
            receipt = connectors.connector_for(biller).write_off(
                bill_reference=reference,
                period=bill.period,
                amount_fen=order.amount_fen,
                order_no=out_trade_no,
                transaction_id=transaction_id,
            )
            WriteOff.objects.create(
                order=order,
                state=WriteOffState.DONE,
                attempts=1,
                next_attempt_at=paid_at,
                biller_receipt_no=receipt,
                done_at=order.settled_at,
            )
            actions._post(
                order,
                f"pay:{out_trade_no}",
                {
                    LedgerAccount.WECHATPAY_RECEIVABLE: order.amount_fen,
                    LedgerAccount.CITIZEN_CLEARING: -order.amount_fen,
                },
            )
            actions._post(
                order,
                f"settle:{out_trade_no}",
                {
                    LedgerAccount.CITIZEN_CLEARING: order.amount_fen,
                    LedgerAccount.BILLER_PAYABLE: -order.amount_fen,
                },
            )


def water_menu(h5_base: str) -> dict[str, Any]:
    pay = f"{h5_base.rstrip('/')}/water/pay"
    return {
        "button": [
            {
                "name": "生活缴费",
                "sub_button": [
                    {"type": "view", "name": "水费", "url": f"{pay}/water/"},
                    {"type": "view", "name": "电费", "url": f"{pay}/power/"},
                    {"type": "view", "name": "燃气费", "url": f"{pay}/gas/"},
                    {"type": "view", "name": "缴费记录", "url": f"{pay}/"},
                ],
            },
            {
                "name": "服务",
                "sub_button": [
                    {"type": "view", "name": "生活缴费", "url": f"{pay}/"},
                    {
                        "type": "view",
                        "name": "办事指南",
                        "url": f"{h5_base.rstrip('/')}/water/services/guides/",
                    },
                ],
            },
        ]
    }


def fines_reply_text(h5_base: str) -> str:
    """The police account's 罚款 keyword reply: a text with a link, as the other apps reply
    (WeChat renders <a href> in text messages; a bare URL is not a link in every client)."""
    url = escape(f"{h5_base.rstrip('/')}/police/pay/fines/")
    return (
        f'交通违法罚款可用微信支付缴纳：<a href="{url}">缴纳交通违法罚款</a>\n'
        "完成实名绑定后，页面会列出您名下未缴纳的罚款，也可输入处罚决定书编号查询。"
        "缴纳后系统自动向交警支队销账并通知您。"
    )


def publish_demo(stdout: Any, stderr: Any) -> None:
    from weizheng.core.errors import AppError
    from weizheng.menus.actions import do_publish_menu, do_save_menu
    from weizheng.menus.models import Menu
    from weizheng.replies.actions import do_save_keyword_rule
    from weizheng.replies.models import KeywordRule

    h5_base = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/h5"
    _history()
    water_account = OfficialAccount.objects.filter(slug="water").first()
    if water_account is not None and Merchant.objects.filter(account=water_account).exists():
        import datetime as dt

        from django.utils import timezone

        from .actions import do_reconcile

        day = timezone.localdate() - dt.timedelta(days=1)
        run = do_reconcile(account=water_account, bill_date=day)
        stdout.write(
            f"Reconciled {water_account.name} for {day}: {run.findings.count()} findings"
            + (f" ({run.error})" if run.error else "")
        )
    water = OfficialAccount.objects.filter(slug="water").first()
    if water is not None and not Menu.objects.filter(account=water, status="published").exists():
        try:
            menu = do_save_menu(
                account=water,
                structure=water_menu(h5_base),
                actor=None,
                name="生活缴费",
                actor_label="demo",
            )
            do_publish_menu(menu=menu, actor=None, actor_label="demo")
            stdout.write(f"Published the menu of {water.name}: 生活缴费 / 服务.")
        except AppError as exc:
            stderr.write(f"The water account's menu was not published: {exc.message}")
    police = OfficialAccount.objects.filter(slug="police").first()
    if police is not None:
        rule = KeywordRule.objects.filter(account=police, name="缴纳罚款").first()
        do_save_keyword_rule(
            account=police,
            rule=rule,
            actor=None,
            data={
                "name": "缴纳罚款",
                "pattern": "罚款|缴费|交罚款",
                "match": "regex",
                "reply_type": "text",
                "text": fines_reply_text(h5_base),
            },
        )
