"""Group commit of callback claims and replies: one writer thread per process.

Every accepted callback needs a durable claim (the InboundMessage row: de-duplication, replay
check, interaction log) before its handler runs, and its rendered reply stored afterwards. Done one
statement and one commit per message, 16 concurrent requests spend most of their time in commits
and, on SQLite, sleeping in the busy handler (docs/performance.md). Here request threads hand their
claim to a writer thread and wait; the writer takes everything queued, writes it in one
transaction — one multi-row `INSERT … ON CONFLICT DO NOTHING RETURNING` for the claims, one
`executemany` UPDATE for the replies — commits once and wakes the waiters. A claim is still
committed before its request goes on, so correctness is unchanged; only commits are shared.

Replies are written behind the answer: the request queues its reply and answers at once. A retry
(which WeChat sends ≥ 5 s later, or a concurrent one) polls the row until the reply is there. If the
process dies in between, the row stays "processing" and a retry gets "success", as for a handler
that overran its budget.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import DatabaseError, connection, transaction

logger = logging.getLogger(__name__)

MAX_BATCH = 200
CLAIM_COLUMNS = (
    "account_id",
    "dedupe_key",
    "openid",
    "kind",
    "msg_id",
    "event_key",
    "create_time",
    "fields",
    "timestamp",
    "nonce",
    "body_digest",
    "received_at",
    "status",
    "reply",
    "reply_content_type",
)


@dataclass(slots=True)
class Claim:
    """One claim waiting for its batch; `row_id` is None when the INSERT conflicted."""

    account_id: int
    dedupe_key: str
    openid: str
    kind: str
    msg_id: str
    event_key: str
    create_time: int
    fields: dict[str, Any]
    timestamp: int
    nonce: str
    body_digest: str
    received_at: datetime
    row_id: int | None = None
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)


@dataclass(slots=True)
class ReplyUpdate:
    row_id: int
    status: str
    reply: str
    content_type: str
    replied_at: datetime


@dataclass(slots=True)
class Flush:
    done: threading.Event = field(default_factory=threading.Event)


class ClaimWriter:
    """The process's writer thread (started lazily, restarted after a fork)."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Claim | ReplyUpdate | Flush] = queue.SimpleQueue()
        self._pid: int | None = None
        self._start_lock = threading.Lock()

    # --- API for request threads ------------------------------------------------------------
    def claim(self, claim: Claim, *, timeout: float = 30.0) -> int | None:
        """Insert the claim in the next batch; the new row's id, or None if it conflicted."""
        self._ensure_running()
        self._queue.put(claim)
        if not claim.done.wait(timeout):
            raise DatabaseError("the claim writer did not answer in time")
        if claim.error is not None:
            raise claim.error
        return claim.row_id

    def store_reply(self, update: ReplyUpdate) -> None:
        """Queue the reply for the next batch (written behind the answer)."""
        self._ensure_running()
        self._queue.put(update)

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until everything queued so far is written (tests, shutdown)."""
        if self._pid != os.getpid():
            return
        marker = Flush()
        self._queue.put(marker)
        marker.done.wait(timeout)

    # --- the writer thread ------------------------------------------------------------------
    def _ensure_running(self) -> None:
        if self._pid == os.getpid():
            return
        with self._start_lock:
            if self._pid == os.getpid():
                return
            if self._pid is not None:
                # Forked: the parent's queue and thread are not ours.
                self._queue = queue.SimpleQueue()
            thread = threading.Thread(target=self._run, name="wx-claim-writer", daemon=True)
            thread.start()
            self._pid = os.getpid()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._write(batch)
            except BaseException as exc:  # never let the writer die: report to every waiter
                logger.exception("Claim writer failed a batch of %d", len(batch))
                self._reset_connection()
                for item in batch:
                    if isinstance(item, Claim):
                        item.error = (
                            exc if isinstance(exc, DatabaseError) else DatabaseError(str(exc))
                        )
                        item.done.set()
                    elif isinstance(item, Flush):
                        item.done.set()

    def _write(self, batch: list[Claim | ReplyUpdate | Flush]) -> None:
        claims = [item for item in batch if isinstance(item, Claim)]
        replies = [item for item in batch if isinstance(item, ReplyUpdate)]
        flushes = [item for item in batch if isinstance(item, Flush)]
        if claims or replies:
            try:
                inserted = self._commit(claims, replies)
            except DatabaseError:
                # A dropped connection (database restart): reconnect and try the batch once more.
                self._reset_connection()
                inserted = self._commit(claims, replies)
            assigned: set[str] = set()
            for claim in claims:
                row_id = inserted.get(claim.dedupe_key)
                # Two retries of one message in one batch: the first gets the row, the other
                # conflicts and is answered as a retry.
                if row_id is not None and claim.dedupe_key not in assigned:
                    claim.row_id = row_id
                    assigned.add(claim.dedupe_key)
                claim.done.set()
            if connection.settings_dict.get("CONN_MAX_AGE") == 0:
                connection.close()
        for marker in flushes:
            marker.done.set()

    def _commit(self, claims: list[Claim], replies: list[ReplyUpdate]) -> dict[str, int]:
        ops = connection.ops
        inserted: dict[str, int] = {}
        with _sqlite_write_lock(), transaction.atomic(), connection.cursor() as cursor:
            if replies:
                cursor.executemany(_update_sql(), [_reply_params(ops, r) for r in replies])
            if claims:
                params: list[Any] = []
                for claim in claims:
                    params.extend(_claim_params(ops, claim))
                cursor.execute(_insert_sql(len(claims)), params)
                for row_id, key in cursor.fetchall():
                    inserted.setdefault(key, row_id)
        return inserted

    @staticmethod
    def _reset_connection() -> None:
        try:
            connection.close()
        except DatabaseError:
            logger.warning("Closing the claim writer's connection failed", exc_info=True)


@contextmanager
def _sqlite_write_lock() -> Iterator[None]:
    """On SQLite, queue for the database's write lock instead of polling for it.

    SQLite's busy handler sleeps in growing steps (up to 100 ms) while another process writes,
    which put the callback's p99 at a second; a blocking file lock hands the turn over at once.
    PostgreSQL locks rows, not the database: nothing to do there.
    """
    if connection.vendor != "sqlite":
        yield
        return
    global _lock_file
    if _lock_file is None or _lock_file_pid != os.getpid():
        _open_lock_file()
    fcntl.flock(_lock_file, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(_lock_file, fcntl.LOCK_UN)


_lock_file: Any = None
_lock_file_pid: int | None = None


def _open_lock_file() -> None:
    global _lock_file, _lock_file_pid
    name = str(connection.settings_dict["NAME"])
    _lock_file = open(name + ".write-lock", "a+b")  # noqa: SIM115 - kept open for the process
    _lock_file_pid = os.getpid()


_TABLE = "wechat_inboundmessage"


def _insert_sql(rows: int) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in CLAIM_COLUMNS)
    one = "(" + ", ".join(["%s"] * len(CLAIM_COLUMNS)) + ")"
    return (
        # Identifiers are this module's constants; every value is a bound parameter.
        f"INSERT INTO {quote(_TABLE)} ({columns}) VALUES {', '.join([one] * rows)} "  # noqa: S608
        f"ON CONFLICT DO NOTHING RETURNING {quote('id')}, {quote('dedupe_key')}"
    )


def _update_sql() -> str:
    quote = connection.ops.quote_name
    return (
        f"UPDATE {quote(_TABLE)} SET {quote('status')} = %s, {quote('reply')} = %s, "  # noqa: S608
        f"{quote('reply_content_type')} = %s, {quote('replied_at')} = %s "
        f"WHERE {quote('id')} = %s AND {quote('status')} = 'processing'"
    )


def _claim_params(ops: Any, claim: Claim) -> tuple[Any, ...]:
    return (
        claim.account_id,
        claim.dedupe_key,
        claim.openid,
        claim.kind,
        claim.msg_id,
        claim.event_key,
        claim.create_time,
        json.dumps(claim.fields, ensure_ascii=False),
        claim.timestamp,
        claim.nonce,
        claim.body_digest,
        ops.adapt_datetimefield_value(claim.received_at),
        "processing",
        "",
        "",
    )


def _reply_params(ops: Any, update: ReplyUpdate) -> tuple[Any, ...]:
    return (
        update.status,
        update.reply,
        update.content_type,
        ops.adapt_datetimefield_value(update.replied_at),
        update.row_id,
    )


writer = ClaimWriter()
