"""Helpers for tests that talk to the callback as WeChat does.

Signing and encryption here use wechatpy's implementation, independent of ours, so a test that
passes proves interoperability rather than agreement with itself.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from wechatpy.crypto import WeChatCrypto

from .models import MessageMode, OfficialAccount

_msg_ids = itertools.count(7_000_000_000_000_000_000)


def next_msg_id() -> str:
    return str(next(_msg_ids))


def plain_signature(token: str, timestamp: str, nonce: str) -> str:
    return hashlib.sha1(
        "".join(sorted([token, timestamp, nonce])).encode(), usedforsecurity=False
    ).hexdigest()


def cdata(value: Any) -> str:
    return "<![CDATA[" + str(value).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def message_xml(
    account: OfficialAccount | None,
    openid: str,
    msg_type: str,
    fields: dict[str, Any],
    *,
    create_time: int | None = None,
) -> str:
    """An inbound message or event as WeChat posts it; numbers stay bare, strings in CDATA."""
    to_user = (
        "gh_"
        + hashlib.md5(
            (account.app_id if account else "x").encode(), usedforsecurity=False
        ).hexdigest()[:12]
    )
    parts = [
        f"<ToUserName>{cdata(to_user)}</ToUserName>",
        f"<FromUserName>{cdata(openid)}</FromUserName>",
        f"<CreateTime>{create_time or int(time.time())}</CreateTime>",
        f"<MsgType>{cdata(msg_type)}</MsgType>",
    ]
    for name, value in fields.items():
        if isinstance(value, int | float):
            parts.append(f"<{name}>{value}</{name}>")
        else:
            parts.append(f"<{name}>{cdata(value)}</{name}>")
    return "<xml>" + "".join(parts) + "</xml>"


def text_xml(
    account: OfficialAccount,
    openid: str,
    content: str,
    *,
    msg_id: str | None = None,
    create_time: int | None = None,
) -> str:
    return message_xml(
        account,
        openid,
        "text",
        {"Content": content, "MsgId": int(msg_id or next_msg_id())},
        create_time=create_time,
    )


def event_xml(
    account: OfficialAccount,
    openid: str,
    event: str,
    *,
    create_time: int | None = None,
    **fields: Any,
) -> str:
    return message_xml(
        account, openid, "event", {"Event": event, **fields}, create_time=create_time
    )


def signed_request(
    account: OfficialAccount,
    xml: str,
    *,
    encrypt: bool | None = None,
    timestamp: str | None = None,
    nonce: str | None = None,
) -> tuple[str, bytes]:
    """(query string, body) for POST /wx/<slug>/ as WeChat would send them.

    `encrypt` defaults to the account's mode: safe and compatible accounts get encrypted bodies
    (compatible ones keep the plaintext fields beside Encrypt, as WeChat does).
    """
    timestamp = timestamp or str(int(time.time()))
    nonce = nonce or secrets.token_hex(5)
    params = {
        "signature": plain_signature(account.token, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        "openid": "o",
    }
    if encrypt is None:
        encrypt = account.message_mode != MessageMode.PLAIN
    if not encrypt:
        return urlencode(params), xml.encode("utf-8")
    crypto = WeChatCrypto(account.token, account.encoding_aes_key, account.app_id)
    wrapped = crypto.encrypt_message(xml, nonce, timestamp)
    # wechatpy returns <xml><Encrypt/><MsgSignature/>...</xml>: pull out Encrypt and the signature.
    from .protocol.xmlparse import parse_xml

    outer = parse_xml(wrapped.encode("utf-8"))
    params["encrypt_type"] = "aes"
    params["msg_signature"] = outer["MsgSignature"]
    if account.message_mode == MessageMode.COMPATIBLE:
        body = xml.replace("</xml>", f"<Encrypt>{cdata(outer['Encrypt'])}</Encrypt></xml>")
    else:
        to_user = xml.split("<ToUserName>", 1)[1].split("</ToUserName>", 1)[0]
        body = f"<xml><ToUserName>{to_user}</ToUserName><Encrypt>{cdata(outer['Encrypt'])}</Encrypt></xml>"
    return urlencode(params), body.encode("utf-8")


def post_to_callback(client, account: OfficialAccount, xml: str, **kwargs: Any):
    """POST a signed message to the account's callback through a Django test client."""
    from .gateway import flush_pending_writes

    query, body = signed_request(account, xml, **kwargs)
    response = client.post(f"/wx/{account.slug}/?{query}", data=body, content_type="text/xml")
    # Replies are written behind the answer: wait for them so tests can read the row.
    flush_pending_writes()
    return response


def decrypt_reply(account: OfficialAccount, body: bytes) -> str:
    """Decrypt an encrypted passive reply with wechatpy, checking its signature."""
    from .protocol.xmlparse import parse_xml

    outer = parse_xml(body)
    crypto = WeChatCrypto(account.token, account.encoding_aes_key, account.app_id)
    return crypto.decrypt_message(
        body.decode("utf-8"), outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"]
    )
