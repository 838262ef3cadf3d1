"""Notifies signed and encrypted here with `cryptography` alone (not weizheng.payments.protocol),
so our verifier is checked against an implementation of its own."""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from typing import Any

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def independent_notify(
    resource: dict[str, Any],
    *,
    private_pem: str,
    serial: str,
    apiv3_key: str,
    timestamp: int | None = None,
    event_type: str = "TRANSACTION.SUCCESS",
    notify_id: str | None = None,
) -> tuple[dict[str, str], str]:
    nonce = base64.b32encode(os.urandom(10)).decode()[:12]  # 12 characters
    associated = "transaction"
    sealed = AESGCM(apiv3_key.encode()).encrypt(
        nonce.encode(), json.dumps(resource).encode(), associated.encode()
    )
    body = json.dumps(
        {
            "id": notify_id or str(uuid.uuid4()),
            "create_time": "2026-11-26T10:00:00+08:00",
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": "支付成功",
            "resource": {
                "original_type": associated,
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(sealed).decode(),
                "associated_data": associated,
                "nonce": nonce,
            },
        }
    )
    ts = str(timestamp if timestamp is not None else int(time.time()))
    header_nonce = uuid.uuid4().hex
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    signature = key.sign(  # type: ignore[union-attr]
        f"{ts}\n{header_nonce}\n{body}\n".encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),  # type: ignore[call-arg]
    )
    headers = {
        "Content-Type": "application/json",
        "Wechatpay-Timestamp": ts,
        "Wechatpay-Nonce": header_nonce,
        "Wechatpay-Serial": serial,
        "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
        "Wechatpay-Signature": base64.b64encode(signature).decode(),
    }
    return headers, body


def post(url: str, headers: dict[str, str], body: str) -> requests.Response:
    return requests.post(url, data=body.encode(), headers=headers, timeout=10)


def success_resource(
    order: Any,
    *,
    mchid: str,
    transaction_id: str = "4200002026112612345678901234",
    total: int | None = None,
) -> dict[str, Any]:
    amount = order.amount_fen if total is None else total
    return {
        "mchid": mchid,
        "appid": order.account.app_id,
        "out_trade_no": order.out_trade_no,
        "transaction_id": transaction_id,
        "trade_type": "JSAPI",
        "trade_state": "SUCCESS",
        "trade_state_desc": "支付成功",
        "bank_type": "OTHERS",
        "attach": "",
        "success_time": "2026-11-26T10:00:00+08:00",
        "payer": {"openid": order.openid},
        "amount": {
            "total": amount,
            "payer_total": amount,
            "currency": "CNY",
            "payer_currency": "CNY",
        },
    }
