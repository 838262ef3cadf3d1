"""The one door to WeChat Pay API v3: wechatpayv3 in platform-public-key mode (no certificate
download), pointed at the merchant's gateway (`core._gate_way`: the mock in dev and tests,
https://api.mch.weixin.qq.com in production). Every call has a timeout; a failure is a
`GatewayError` that says whether trying again may help."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

import requests
from django.conf import settings
from wechatpayv3 import WeChatPay, WeChatPayType

from . import protocol
from .models import Merchant


class GatewayError(Exception):
    def __init__(self, message: str, *, status: int | None = None, code: str = ""):
        super().__init__(message)
        self.status = status
        self.code = code

    @property
    def is_retryable(self) -> bool:
        """Network errors, 5xx and 429 may pass; other 4xx will not."""
        return self.status is None or self.status >= 500 or self.status == 429


def gateway_url(merchant: Merchant) -> str:
    return str(merchant.api_base_url or settings.WECHATPAY_API_BASE_URL).rstrip("/")


def client(merchant: Merchant) -> WeChatPay:
    pay = WeChatPay(
        wechatpay_type=WeChatPayType.JSAPI,
        mchid=merchant.mchid,
        private_key=merchant.private_key,
        cert_serial_no=merchant.serial_no,
        appid=merchant.account.app_id,
        apiv3_key=merchant.apiv3_key,
        timeout=(5, settings.WECHATPAY_HTTP_TIMEOUT_SECONDS),
        public_key=merchant.platform_public_key,
        public_key_id=merchant.platform_public_key_id,
    )
    pay._core._gate_way = gateway_url(merchant)  # the documented way to use another gateway
    return pay


def _call(function: Any, *args: Any, **kwargs: Any) -> tuple[int, Any]:
    try:
        status, body = function(*args, **kwargs)
    except requests.RequestException as exc:
        raise GatewayError(f"cannot reach WeChat Pay: {type(exc).__name__}") from exc
    except Exception as exc:  # wechatpayv3 raises bare Exception for a bad answer signature
        raise GatewayError(f"WeChat Pay's answer was refused: {exc}") from exc
    return status, body


def _json(status: int, body: Any) -> dict[str, Any]:
    try:
        data = json.loads(body) if body else {}
    except (ValueError, TypeError):
        data = {}
    if not 200 <= status < 300:
        raise GatewayError(
            f"WeChat Pay answered {status}: {data.get('message', '')}",
            status=status,
            code=str(data.get("code", "")),
        )
    return data if isinstance(data, dict) else {}


def create_jsapi_order(
    merchant: Merchant,
    *,
    out_trade_no: str,
    description: str,
    amount_fen: int,
    openid: str,
    notify_url: str,
) -> str:
    """Place a JSAPI order; its prepay_id."""
    pay = client(merchant)
    data = _json(
        *_call(
            pay.pay,
            description=description,
            out_trade_no=out_trade_no,
            amount={"total": amount_fen, "currency": "CNY"},
            payer={"openid": openid},
            notify_url=notify_url,
            pay_type=WeChatPayType.JSAPI,
        )
    )
    prepay_id = str(data.get("prepay_id", ""))
    if not prepay_id:
        raise GatewayError("WeChat Pay answered without a prepay_id")
    return prepay_id


def jsapi_parameters(merchant: Merchant, *, prepay_id: str) -> dict[str, str]:
    """What the H5 page hands to WeixinJSBridge's getBrandWCPayRequest, signed with the
    merchant's key (appId, timeStamp, nonceStr, package, one per line)."""
    appid = merchant.account.app_id
    timestamp = str(int(time.time()))
    nonce = secrets.token_hex(16)
    package = f"prepay_id={prepay_id}"
    pay_sign = protocol.rsa_sign(
        merchant.private_key, f"{appid}\n{timestamp}\n{nonce}\n{package}\n"
    )
    return {
        "appId": appid,
        "timeStamp": timestamp,
        "nonceStr": nonce,
        "package": package,
        "signType": "RSA",
        "paySign": pay_sign,
    }


def query_order(merchant: Merchant, *, out_trade_no: str) -> dict[str, Any]:
    return _json(*_call(client(merchant).query, out_trade_no=out_trade_no))


def close_order(merchant: Merchant, *, out_trade_no: str) -> None:
    _json(*_call(client(merchant).close, out_trade_no=out_trade_no))


def refund(
    merchant: Merchant,
    *,
    out_trade_no: str,
    out_refund_no: str,
    refund_fen: int,
    total_fen: int,
    reason: str,
    notify_url: str,
) -> dict[str, Any]:
    return _json(
        *_call(
            client(merchant).refund,
            out_refund_no=out_refund_no,
            amount={"refund": refund_fen, "total": total_fen, "currency": "CNY"},
            out_trade_no=out_trade_no,
            reason=reason,
            notify_url=notify_url,
        )
    )


def query_refund(merchant: Merchant, *, out_refund_no: str) -> dict[str, Any]:
    return _json(*_call(client(merchant).query_refund, out_refund_no=out_refund_no))


def download_trade_bill(merchant: Merchant, *, bill_date: str) -> str:
    """The day's trade bill (all payments and refunds) as WeChat's CSV text, uncompressed."""
    pay = client(merchant)
    core = pay._core
    data = _json(*_call(core.request, f"/v3/bill/tradebill?bill_date={bill_date}&bill_type=ALL"))
    url = str(data.get("download_url", ""))
    if not url:
        raise GatewayError("WeChat Pay gave no download address for the bill")
    status, content = _call(pay.download_bill, url)
    if not 200 <= status < 300:
        raise GatewayError(f"the bill download answered {status}", status=status)
    if isinstance(content, bytes):
        return content.decode("utf-8-sig")
    return str(content)
