"""Posting signed (and, in compatible and safe mode, encrypted) callbacks as WeChat does.

Encryption uses wechatpy's WeChatCrypto on purpose: it is an implementation independent of our
own `weizheng.wechat.protocol.crypto`, so the two check each other. Nothing in this module touches
the database: event callbacks are posted from a background thread and must not contend for
SQLite's write lock with the request that queued them.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import secrets
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any

import requests
import xmltodict
from django.conf import settings
from wechatpy.crypto import WeChatCrypto

from .models import MessageMode, MockApp

logger = logging.getLogger(__name__)

USER_NOTICE_FAILED = "该公众号暂时无法提供服务，请稍后再试"
DEFAULT_TIMEOUT_SECONDS = 5.0
DEFAULT_ATTEMPTS = 3
REPLY_TYPES = {"text", "image", "voice", "video", "music", "news", "transfer_customer_service"}
# Replies to a user's message may carry one article; replies to events up to eight.
MAX_ARTICLES_FOR_MESSAGE = 1
MAX_ARTICLES_FOR_EVENT = 8
REQUEST_HEADERS = {
    "Content-Type": "text/xml",
    "User-Agent": "Mozilla/4.0",
    "Accept": "*/*",
    "Pragma": "no-cache",
}


@dataclass(frozen=True, slots=True)
class AppSnapshot:
    """What posting needs from a MockApp, copied so the worker thread never reads the DB."""

    appid: str
    original_id: str
    token: str
    encoding_aes_key: str
    message_mode: str
    callback_url: str

    @classmethod
    def of(cls, app: MockApp) -> AppSnapshot:
        return cls(
            appid=app.appid,
            original_id=app.original_id,
            token=app.token,
            encoding_aes_key=app.encoding_aes_key,
            message_mode=app.message_mode,
            callback_url=app.callback_url,
        )


@dataclass(slots=True)
class Attempt:
    http_status: int | None
    elapsed_ms: int
    error: str = ""


@dataclass(slots=True)
class CallbackResult:
    """What happened when WeChat posted one callback, and what the user would see."""

    ok: bool
    http_status: int | None = None
    body: str = ""
    reply: dict[str, Any] | None = None
    is_reply_encrypted: bool = False
    error: str = ""
    elapsed_ms: int = 0
    attempts: list[Attempt] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    request_query: dict[str, str] = field(default_factory=dict)
    request_body: str = ""
    delivered_id: int | None = None
    appid: str = ""

    @property
    def user_notice(self) -> str:
        return "" if self.ok else USER_NOTICE_FAILED

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["user_notice"] = self.user_notice
        return data


# --- XML and signatures -----------------------------------------------------------------------
def cdata(text: str) -> str:
    # "]]>" cannot appear inside one CDATA section: split it across two.
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _element(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return f"<{name}>{int(value)}</{name}>"
    if isinstance(value, int | float):
        return f"<{name}>{value}</{name}>"
    if isinstance(value, dict):
        return f"<{name}>{''.join(_element(k, v) for k, v in value.items())}</{name}>"
    if isinstance(value, list):
        return f"<{name}>{''.join(_element('item', v) for v in value)}</{name}>"
    return f"<{name}>{cdata(str(value))}</{name}>"


def build_xml(fields: dict[str, Any]) -> str:
    """WeChat's callback XML: strings in CDATA, numbers bare, dicts and lists nested."""
    return "<xml>" + "".join(_element(k, v) for k, v in fields.items()) + "</xml>"


def plain_signature(token: str, timestamp: str, nonce: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()  # noqa: S324


def new_nonce() -> str:
    return str(secrets.randbelow(9 * 10**9) + 10**9)


def _crypto(app: AppSnapshot) -> WeChatCrypto:
    return WeChatCrypto(app.token, app.encoding_aes_key, app.appid)


def prepare_request(app: AppSnapshot, fields: dict[str, Any]) -> tuple[dict[str, str], str]:
    """The query string and body WeChat would post for this message or event."""
    timestamp = str(int(time.time()))
    nonce = new_nonce()
    query = {
        "signature": plain_signature(app.token, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        "openid": str(fields.get("FromUserName", "")),
    }
    plain_xml = build_xml(fields)
    if app.message_mode == MessageMode.PLAIN:
        return query, plain_xml
    envelope = xmltodict.parse(_crypto(app).encrypt_message(plain_xml, nonce, timestamp))["xml"]
    query["encrypt_type"] = "aes"
    query["msg_signature"] = envelope["MsgSignature"]
    if app.message_mode == MessageMode.SAFE:
        body = build_xml({"ToUserName": app.original_id, "Encrypt": envelope["Encrypt"]})
    else:
        body = build_xml({**fields, "Encrypt": envelope["Encrypt"]})
    return query, body


# --- The reply --------------------------------------------------------------------------------
class ReplyError(Exception):
    pass


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def parse_reply(
    app: AppSnapshot, text: str, *, openid: str, is_message: bool
) -> tuple[dict[str, Any] | None, bool]:
    """The passive reply as a dict (None for "success" or an empty body) and whether it was
    encrypted. Raises ReplyError for anything WeChat would refuse."""
    stripped = text.strip()
    if stripped in ("", "success"):
        return None, False
    try:
        root = xmltodict.parse(stripped).get("xml")
    except Exception as exc:  # expat raises several types
        raise ReplyError(f"reply is not XML: {exc}") from exc
    if not isinstance(root, dict):
        raise ReplyError("reply has no <xml> root")
    is_encrypted = "Encrypt" in root
    if is_encrypted:
        if app.message_mode == MessageMode.PLAIN:
            raise ReplyError("encrypted reply to a plain-mode account")
        try:
            plain = _crypto(app).decrypt_message(
                stripped, root.get("MsgSignature"), root.get("TimeStamp"), root.get("Nonce")
            )
            root = xmltodict.parse(plain).get("xml")
        except Exception as exc:
            raise ReplyError(f"cannot verify or decrypt the reply: {exc!r}") from exc
        if not isinstance(root, dict):
            raise ReplyError("decrypted reply has no <xml> root")
    elif app.message_mode == MessageMode.SAFE:
        raise ReplyError("safe mode needs an encrypted reply")
    _check_reply(root, app=app, openid=openid, is_message=is_message)
    return root, is_encrypted


def _check_reply(reply: dict[str, Any], *, app: AppSnapshot, openid: str, is_message: bool) -> None:
    msgtype = reply.get("MsgType")
    if msgtype not in REPLY_TYPES:
        raise ReplyError(f"unknown reply MsgType {msgtype!r}")
    if reply.get("ToUserName") != openid:
        raise ReplyError("reply ToUserName is not the user's openid")
    if reply.get("FromUserName") != app.original_id:
        raise ReplyError("reply FromUserName is not the account's original id")
    if msgtype == "text" and not reply.get("Content"):
        raise ReplyError("text reply without Content")
    for kind in ("image", "voice", "video"):
        if msgtype == kind and not (reply.get(kind.capitalize()) or {}).get("MediaId"):
            raise ReplyError(f"{kind} reply without MediaId")
    if msgtype == "news":
        articles = reply.get("Articles") or {}
        items = _as_list(articles.get("item") if isinstance(articles, dict) else None)
        try:
            count = int(reply.get("ArticleCount") or 0)
        except ValueError as exc:
            raise ReplyError("ArticleCount is not a number") from exc
        limit = MAX_ARTICLES_FOR_MESSAGE if is_message else MAX_ARTICLES_FOR_EVENT
        if not items or count != len(items):
            raise ReplyError("ArticleCount does not match the articles")
        if count > limit:
            raise ReplyError(f"at most {limit} article(s) in this reply")
        reply["Articles"] = {"item": items}


# --- Posting ----------------------------------------------------------------------------------
def post_callback(
    app: AppSnapshot,
    fields: dict[str, Any],
    *,
    is_message: bool,
    timeout: float | None = None,
    attempts: int | None = None,
) -> CallbackResult:
    """Post one message or event to the app's server URL as WeChat does, retrying a timeout or
    a refused connection (three attempts in all), and judge the reply."""
    result = CallbackResult(ok=False, fields=dict(fields), appid=app.appid)
    if not app.callback_url:
        result.error = "no callback URL configured"
        return result
    if timeout is None:
        timeout = getattr(settings, "WECHAT_MOCK_CALLBACK_TIMEOUT", DEFAULT_TIMEOUT_SECONDS)
    if attempts is None:
        attempts = getattr(settings, "WECHAT_MOCK_CALLBACK_ATTEMPTS", DEFAULT_ATTEMPTS)
    query, body = prepare_request(app, fields)
    result.request_query, result.request_body = query, body
    response = None
    for _attempt in range(max(1, attempts)):
        started = time.monotonic()
        try:
            response = requests.post(
                app.callback_url,
                params=query,
                data=body.encode("utf-8"),
                headers=REQUEST_HEADERS,
                timeout=timeout,
            )
        except requests.Timeout:
            result.attempts.append(Attempt(None, _ms_since(started), "timeout"))
            continue
        except requests.RequestException as exc:
            result.attempts.append(Attempt(None, _ms_since(started), f"connection: {exc}"))
            continue
        result.attempts.append(Attempt(response.status_code, _ms_since(started)))
        break
    result.elapsed_ms = sum(a.elapsed_ms for a in result.attempts)
    if response is None:
        result.error = result.attempts[-1].error
        return result
    result.http_status = response.status_code
    result.body = response.content.decode("utf-8", "replace")
    if response.status_code != 200:
        result.error = f"HTTP {response.status_code}"
        return result
    try:
        result.reply, result.is_reply_encrypted = parse_reply(
            app, result.body, openid=str(fields.get("FromUserName", "")), is_message=is_message
        )
    except ReplyError as exc:
        result.error = str(exc)
        return result
    result.ok = True
    return result


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


# --- Background delivery of event callbacks ---------------------------------------------------
_queue: queue.Queue[tuple[AppSnapshot, dict[str, Any]]] = queue.Queue()
_worker_lock = threading.Lock()
_worker: threading.Thread | None = None
_recent: deque[CallbackResult] = deque(maxlen=500)


def remember(result: CallbackResult) -> None:
    _recent.append(result)


def recent_callbacks(appid: str | None = None) -> list[CallbackResult]:
    """Callbacks posted by this process, oldest first (kept in memory, last 500)."""
    return [r for r in list(_recent) if appid is None or r.appid == appid]


def clear_recent_callbacks() -> None:
    _recent.clear()


def _deliver(app: AppSnapshot, fields: dict[str, Any]) -> None:
    remember(post_callback(app, fields, is_message=False))


def _work() -> None:
    while True:
        app, fields = _queue.get()
        try:
            _deliver(app, fields)
        except Exception:
            logger.exception("mock WeChat could not post a %s callback", fields.get("Event"))
        finally:
            _queue.task_done()


def dispatch_event(app: AppSnapshot, fields: dict[str, Any]) -> None:
    """Post an API-triggered event (MASSSENDJOBFINISH, TEMPLATESENDJOBFINISH) without making the
    API caller wait; synchronously when settings.WECHAT_MOCK_SYNC_CALLBACKS is true."""
    if getattr(settings, "WECHAT_MOCK_SYNC_CALLBACKS", False):
        _deliver(app, fields)
        return
    global _worker
    with _worker_lock:
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_work, name="wechat-mock-callbacks", daemon=True)
            _worker.start()
    _queue.put((app, fields))


def flush_callbacks(timeout: float = 15.0) -> bool:
    """Wait until every queued event callback has been posted; False on timeout."""
    deadline = time.monotonic() + timeout
    with _queue.all_tasks_done:
        while _queue.unfinished_tasks:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            _queue.all_tasks_done.wait(remaining)
    return True
