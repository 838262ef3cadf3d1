"""The callback gateway: a protocol adapter between WeChat's HTTP callback and the router.

Verify → (decrypt) → parse → claim (one INSERT: de-duplication, replay check, interaction log)
→ dispatch within the time budget → store the rendered reply → answer. Every refusal is a 4xx with
a reason and writes nothing but a counter; nothing here may become a 500, because WeChat shows
"该公众号暂时无法提供服务" to the citizen on any error.
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import os
import secrets
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from django.conf import settings
from django.db import DatabaseError, IntegrityError, close_old_connections, transaction
from django.db.models import F
from django.utils import timezone

from . import fastpath
from .claims import Claim, ReplyUpdate, writer
from .models import (
    InboundMessage,
    InboundStatus,
    MessageMode,
    OfficialAccount,
    RejectedRequestCount,
)
from .protocol.crypto import MessageCrypto, check_signature
from .protocol.errors import ProtocolError, SignatureError
from .protocol.messages import parse_message
from .protocol.replies import render_reply, to_custom_message
from .protocol.xmlparse import parse_xml
from .router import HandlerContext, router
from .selectors import get_account_for_callback

logger = logging.getLogger(__name__)

XML_CONTENT_TYPE = "application/xml; charset=utf-8"
TEXT_CONTENT_TYPE = "text/plain; charset=utf-8"
# How often a retry polls for the first attempt's reply.
RETRY_POLL_SECONDS = 0.05


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes = b""
    content_type: str = TEXT_CONTENT_TYPE
    reason: str = ""


class Refused(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


@lru_cache(maxsize=256)
def _crypto(token: str, aes_key: str, app_id: str) -> MessageCrypto:
    return MessageCrypto(token, aes_key, app_id)


def crypto_for(account: OfficialAccount) -> MessageCrypto:
    return _crypto(account.token, account.encoding_aes_key, account.app_id)


# --- one request, whichever adapter delivered it --------------------------------------------------
def answer_request(
    *, slug: str, method: str, params, content_length: int | None, read_body
) -> Answer:
    """Answer GET or POST /wx/<slug>/. `read_body(limit)` reads at most `limit` bytes.

    Shared by the Django view (views.py) and the bare WSGI adapter that serves the callback in
    production (wsgi.py), so both behave the same.
    """
    if method not in ("GET", "POST"):
        return Answer(405, b"method not allowed")
    try:
        return _answer_request(slug, method, params, content_length, read_body)
    except DatabaseError:
        # Not the caller's fault: WeChat retries, and the citizen sees a delay at worst.
        logger.exception("Database unavailable while answering a callback for %s", slug)
        return Answer(503, b"database unavailable", reason="database_unavailable")


def _answer_request(
    slug: str, method: str, params, content_length: int | None, read_body
) -> Answer:
    account = get_account_for_callback(slug)
    if account is None:
        return Answer(404, b"unknown account")
    if method == "GET":
        return answer_check(account, params)
    max_bytes = settings.WECHAT_CALLBACK_MAX_BYTES
    if content_length is not None and content_length > max_bytes:
        # Refused before reading the body.
        record_rejection(account, "too_large")
        return Answer(413, b"too_large", reason="too_large")
    return answer_message(account, params, read_body(max_bytes + 1))


# --- GET: the URL check -------------------------------------------------------------------------
def answer_check(account: OfficialAccount, params) -> Answer:
    """WeChat's server-URL check: echo `echostr` verbatim when the signature is right."""
    try:
        check_signature(
            account.token,
            params.get("timestamp", ""),
            params.get("nonce", ""),
            params.get("signature", ""),
        )
    except SignatureError as exc:
        record_rejection(account, exc.reason)
        return Answer(403, b"bad signature", reason=exc.reason)
    return Answer(200, params.get("echostr", "").encode("utf-8"))


# --- POST: a message or event -------------------------------------------------------------------
_deadline: contextvars.ContextVar[float] = contextvars.ContextVar("wx_deadline")


def _remaining() -> float:
    """Seconds left of this request's budget, counted from its arrival (claim, handlers and a
    retry's wait all share it, so the answer leaves within ~4.5 s whatever was slow)."""
    deadline = _deadline.get(None)
    if deadline is None:
        return settings.WECHAT_REPLY_BUDGET_SECONDS
    return max(0.05, deadline - time.monotonic())


def answer_message(account: OfficialAccount, params, body: bytes) -> Answer:
    """Answer one callback POST. Never raises for bad input: refusals are 4xx answers."""
    token = _deadline.set(time.monotonic() + settings.WECHAT_REPLY_BUDGET_SECONDS)
    try:
        return _answer_message(account, params, body)
    except Refused as exc:
        record_rejection(account, exc.reason)
        return Answer(exc.status, exc.reason.encode(), reason=exc.reason)
    except ProtocolError as exc:
        record_rejection(account, exc.reason)
        return Answer(exc.status, exc.reason.encode(), reason=exc.reason)
    finally:
        _deadline.reset(token)


def _answer_message(account: OfficialAccount, params, body: bytes) -> Answer:
    timestamp, nonce = params.get("timestamp", ""), params.get("nonce", "")
    check_signature(account.token, timestamp, nonce, params.get("signature", ""))
    ts = int(timestamp) if timestamp.isascii() and timestamp.isdigit() else -1
    if abs(time.time() - ts) > settings.WECHAT_TIMESTAMP_WINDOW_SECONDS:
        raise Refused(403, "stale_timestamp")

    max_bytes = settings.WECHAT_CALLBACK_MAX_BYTES
    outer = parse_xml(body, max_bytes=max_bytes)
    encrypted = params.get("encrypt_type", "") == "aes"
    if encrypted:
        if not account.encoding_aes_key:
            raise Refused(400, "no_aes_key")
        encrypt = outer.get("Encrypt")
        if not isinstance(encrypt, str) or not encrypt:
            raise Refused(400, "missing_encrypt")
        crypto = crypto_for(account)
        crypto.verify_msg_signature(timestamp, nonce, encrypt, params.get("msg_signature", ""))
        plain = crypto.decrypt(encrypt)
        fields = parse_xml(plain, max_bytes=max_bytes)
    else:
        if account.message_mode == MessageMode.SAFE:
            raise Refused(403, "plaintext_refused")
        plain = body
        fields = outer

    message = parse_message(fields)
    _check_bounds(message)
    if not message.is_known:
        # Unknown types get an empty 200 so WeChat does not retry; nothing is stored.
        return Answer(200, b"")

    digest = hashlib.sha1(plain, usedforsecurity=False).hexdigest()
    if fastpath.is_enabled():
        answer = _answer_via_redis(account, message, ts, nonce, digest, encrypted)
        if answer is not None:
            return answer
    row_id, is_new = claim(account, message, ts, nonce, digest)
    if not is_new:
        answer = answer_retry(row_id)
        if answer is not None:
            return answer
        logger.warning("Took over orphaned inbound message %s", row_id)

    outcome = run_handlers(account, message, row_id)
    reply_body = _final_reply(account, outcome, encrypted)
    if outcome.status == InboundStatus.DEFERRED:
        # Durable before the late reply can be sent: the task claims the row by this status.
        deferred = InboundMessage.objects.filter(pk=row_id, status=InboundStatus.PROCESSING).update(
            status=InboundStatus.DEFERRED, reply="", replied_at=timezone.now()
        )
        if deferred:
            _when_late_handler_finishes(account, message, outcome)
    else:
        store_reply(
            row_id,
            status=outcome.status,
            reply=reply_body or "",
            content_type=XML_CONTENT_TYPE if reply_body else "",
        )
    return _reply_answer(reply_body)


def _answer_via_redis(
    account: OfficialAccount, message, ts: int, nonce: str, digest: str, encrypted: bool
) -> Answer | None:
    """The Redis fast path (fastpath.py); None when Redis cannot be reached."""
    import redis

    key = message.dedupe_key()
    try:
        verdict = fastpath.claim(
            account_id=account.pk, dedupe_key=key, timestamp=ts, nonce=nonce, digest=digest
        )
    except redis.RedisError:
        logger.warning("Redis unavailable: callback falls back to the database path", exc_info=True)
        return None
    if verdict == fastpath.CONFLICTING_BODY:
        raise Refused(403, "conflicting_body")
    if verdict == fastpath.REPLAYED_NONCE:
        raise Refused(403, "replayed_nonce")
    if verdict == fastpath.RETRY:
        stored = fastpath.wait_for_reply(account_id=account.pk, dedupe_key=key, budget=_remaining())
        if stored is None or stored[0] != InboundStatus.REPLIED or not stored[1]:
            return Answer(200, b"success")
        return Answer(200, stored[1].encode("utf-8"), XML_CONTENT_TYPE)

    outcome = run_handlers(account, message, None)
    reply_body = _final_reply(account, outcome, encrypted)
    row = _new_claim(account, message, ts, nonce, digest)
    row.status = outcome.status
    row.reply = reply_body or ""
    row.reply_content_type = XML_CONTENT_TYPE if reply_body else ""
    writer.log(row)
    if outcome.status == InboundStatus.DEFERRED:
        _when_late_handler_finishes(account, message, outcome)
    try:
        fastpath.store_reply(
            account_id=account.pk, dedupe_key=key, status=outcome.status, body=reply_body or ""
        )
    except redis.RedisError:
        # The citizen still gets this answer; a retry would wait and get "success".
        logger.warning("Redis lost the reply to %s", key, exc_info=True)
    return _reply_answer(reply_body)


def _final_reply(account: OfficialAccount, outcome: Outcome, encrypted: bool) -> str | None:
    if outcome.xml is None:
        return None
    if encrypted:
        return crypto_for(account).encrypt_reply(
            outcome.xml, timestamp=str(int(time.time())), nonce=secrets.token_hex(8)
        )
    return outcome.xml


def _reply_answer(reply_body: str | None) -> Answer:
    if reply_body is None:
        return Answer(200, b"success")
    return Answer(200, reply_body.encode("utf-8"), XML_CONTENT_TYPE)


def _new_claim(account: OfficialAccount, message, ts: int, nonce: str, digest: str) -> Claim:
    return Claim(
        account_id=account.pk,
        dedupe_key=message.dedupe_key(),
        openid=message.from_user,
        kind=message.kind,
        msg_id=getattr(message, "msg_id", "") or "",
        event_key=(getattr(message, "event_key", "") or "")[:255],
        create_time=message.create_time,
        fields=message.log_fields(),
        timestamp=ts,
        nonce=nonce[:64],
        body_digest=digest,
        received_at=timezone.now(),
    )


# The interaction log's columns; WeChat's values fit with room to spare, forgeries may not.
MAX_OPENID = 64
MAX_MSG_ID = 64
MAX_CREATE_TIME = 2**53


def _check_bounds(message) -> None:
    if (
        not 0 < len(message.from_user) <= MAX_OPENID
        or not 0 <= message.create_time < MAX_CREATE_TIME
    ):
        raise Refused(400, "bad_field")
    if len(getattr(message, "msg_id", "") or "") > MAX_MSG_ID:
        raise Refused(400, "bad_field")


def claim(account: OfficialAccount, message, ts: int, nonce: str, digest: str) -> tuple[int, bool]:
    """Insert the interaction-log row, which is also the de-duplication and replay claim.

    Returns (row id, True) for a new message, (existing row id, False) for a retry of one already
    seen. The same (timestamp, nonce) with another body, or the same message id with another body,
    is a forgery (in plain mode the signature does not cover the body). The INSERT is committed
    before this returns, through the process's group-commit writer (claims.py) or, with
    WECHAT_GROUP_COMMIT off, on its own.
    """
    key = message.dedupe_key()
    new = _new_claim(account, message, ts, nonce, digest)
    if settings.WECHAT_GROUP_COMMIT:
        row_id = writer.claim(new, timeout=_remaining())
    else:
        row_id = _claim_alone(new)
    if row_id is not None:
        return row_id, True
    existing = (
        InboundMessage.objects.filter(account=account, dedupe_key=key)
        .values_list("pk", "body_digest")
        .first()
    )
    if existing is not None:
        if existing[1] != digest:
            raise Refused(403, "conflicting_body")
        return existing[0], False
    raise Refused(403, "replayed_nonce")


def _claim_alone(new: Claim) -> int | None:
    try:
        row = InboundMessage.objects.create(
            account_id=new.account_id,
            dedupe_key=new.dedupe_key,
            openid=new.openid,
            kind=new.kind,
            msg_id=new.msg_id,
            event_key=new.event_key,
            create_time=new.create_time,
            fields=new.fields,
            timestamp=new.timestamp,
            nonce=new.nonce,
            body_digest=new.body_digest,
            received_at=new.received_at,
        )
    except IntegrityError:
        return None
    return row.pk


def store_reply(row_id: int, *, status: str, reply: str, content_type: str = "") -> None:
    """Record the answer on the claim row (written behind the answer with group commit)."""
    update = ReplyUpdate(row_id, status, reply, content_type, timezone.now())
    if settings.WECHAT_GROUP_COMMIT:
        writer.store_reply(update)
    else:
        InboundMessage.objects.filter(pk=row_id, status=InboundStatus.PROCESSING).update(
            status=status,
            reply=reply,
            reply_content_type=content_type,
            replied_at=update.replied_at,
        )


def flush_pending_writes() -> None:
    """Wait until queued claims and replies are committed (tests and shutdown)."""
    writer.flush()


# A claim still "processing" this long after it arrived was orphaned (its process died, or its
# request gave up on the database): a retry takes it over and runs the handlers itself.
ORPHAN_AFTER_SECONDS = 15.0


def answer_retry(row_id: int) -> Answer | None:
    """A retry of a message being (or already) answered: wait for the first attempt's reply.

    None means the first attempt was orphaned and this retry has taken the message over.
    """
    deadline = time.monotonic() + _remaining()
    while True:
        status, reply, content_type, received_at = (
            InboundMessage.objects.filter(pk=row_id)
            .values_list("status", "reply", "reply_content_type", "received_at")
            .get()
        )
        if status != InboundStatus.PROCESSING:
            if status == InboundStatus.REPLIED and reply:
                return Answer(200, reply.encode("utf-8"), content_type or XML_CONTENT_TYPE)
            return Answer(200, b"success")
        orphaned_before = timezone.now() - timedelta(seconds=ORPHAN_AFTER_SECONDS)
        if received_at < orphaned_before and _take_over(row_id, orphaned_before):
            return None
        if time.monotonic() >= deadline:
            return Answer(200, b"success")
        time.sleep(RETRY_POLL_SECONDS)


def _take_over(row_id: int, orphaned_before) -> bool:
    """Claim an orphaned row for this attempt (a conditional update: one taker at most)."""
    return bool(
        InboundMessage.objects.filter(
            pk=row_id, status=InboundStatus.PROCESSING, received_at__lt=orphaned_before
        ).update(received_at=timezone.now())
    )


# --- handlers within the time budget ------------------------------------------------------------
_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


_executor_pid: int | None = None


def _get_executor() -> ThreadPoolExecutor:
    """The process's handler threads (made again after a fork: threads do not survive one)."""
    global _executor, _executor_pid
    if _executor is None or _executor_pid != os.getpid():
        with _executor_lock:
            if _executor is None or _executor_pid != os.getpid():
                _executor_pid = os.getpid()
                _executor = ThreadPoolExecutor(
                    max_workers=max(1, settings.WECHAT_HANDLER_THREADS),
                    thread_name_prefix="wx-handler",
                )
    return _executor


def _dispatch_to_xml(
    account: OfficialAccount, message, inbound_id: int | None
) -> tuple[str | None, object | None]:
    """Run the router in a handler thread; return (rendered XML, reply object)."""
    close_old_connections()
    try:
        reply = router.dispatch(
            HandlerContext(account=account, message=message, inbound_id=inbound_id)
        )
        if reply is None:
            return None, None
        xml = render_reply(
            reply,
            to_user=message.from_user,
            from_user=message.to_user,
            create_time=int(time.time()),
        )
        return xml, reply
    finally:
        close_old_connections()


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the handlers made of a message: replied (xml or None), failed, or deferred."""

    status: str
    xml: str | None = None
    late: Future | None = None


def run_handlers(account: OfficialAccount, message, inbound_id: int | None) -> Outcome:
    """Run the router within the time budget.

    A handler that has not finished within WECHAT_REPLY_BUDGET_SECONDS keeps running; the outcome
    is "deferred" and carries its future, whose reply is sent later as a customer-service message.
    """
    future = None
    try:
        if settings.WECHAT_HANDLER_THREADS <= 0 or router.runs_inline(message):
            xml = _run_inline(account, message, inbound_id)
        else:
            future = _get_executor().submit(_dispatch_to_xml, account, message, inbound_id)
            xml, _reply = future.result(timeout=_remaining())
    except FutureTimeout:
        return Outcome(InboundStatus.DEFERRED, None, future)
    except Exception:
        logger.exception("WeChat handler failed for %s from %s", message.kind, message.from_user)
        return Outcome(InboundStatus.FAILED)
    return Outcome(InboundStatus.REPLIED, xml)


def _run_inline(account: OfficialAccount, message, inbound_id: int | None) -> str | None:
    reply = router.dispatch(HandlerContext(account=account, message=message, inbound_id=inbound_id))
    if reply is None:
        return None
    return render_reply(
        reply, to_user=message.from_user, from_user=message.to_user, create_time=int(time.time())
    )


def _when_late_handler_finishes(account: OfficialAccount, message, outcome: Outcome) -> None:
    if outcome.late is not None:
        outcome.late.add_done_callback(
            lambda f: _deliver_late(account.pk, message.from_user, message.dedupe_key(), f)
        )


def _deliver_late(account_id: int, openid: str, dedupe_key: str, future: Future) -> None:
    """Called in the handler thread when a late handler finishes: queue the reply for sending."""
    from .tasks import send_deferred_reply

    try:
        try:
            _xml, reply = future.result()
        except Exception:
            logger.exception("Late WeChat handler failed for %s", dedupe_key)
            return
        if reply is None:
            return
        try:
            payload = to_custom_message(reply, openid=openid)
        except ValueError:
            logger.warning("Late reply to %s cannot be a customer-service message", dedupe_key)
            return
        writer.flush()  # the fast path writes the row behind the answer: make sure it is there
        # Not inside a transaction: with SQLite, an open write transaction would block the
        # platform (and everything else) while the reply is sent.
        send_deferred_reply.enqueue(account_id=account_id, dedupe_key=dedupe_key, payload=payload)
    finally:
        close_old_connections()


# --- counters -----------------------------------------------------------------------------------
def record_rejection(account: OfficialAccount, reason: str) -> None:
    """Count a refused request by account, day and reason (refusals are not stored as messages)."""
    today = timezone.localdate() if settings.USE_TZ else date.today()  # noqa: DTZ011
    reason = reason[:40]
    counter = RejectedRequestCount.objects.filter(account=account, day=today, reason=reason)
    if counter.update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            RejectedRequestCount.objects.create(account=account, day=today, reason=reason, count=1)
    except IntegrityError:
        counter.update(count=F("count") + 1)
