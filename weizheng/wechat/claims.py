"""Group commit of callback claims and replies, shared by the request threads of a process.

Every accepted callback needs a durable claim (the InboundMessage row: de-duplication, replay
check, interaction log) before its handler runs, and its rendered reply stored afterwards. Done one
statement and one commit per message, 16 concurrent requests spend most of their time in commits
and, on SQLite, sleeping in the busy handler (docs/performance.md). Here concurrent claims share
one transaction — one multi-row `INSERT … ON CONFLICT DO NOTHING RETURNING` for the claims, one
`executemany` UPDATE for queued replies — and one commit (see ClaimWriter). A claim is still
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
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

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
    # A row logged behind the answer (the Redis fast path) carries its outcome already.
    status: str = "processing"
    reply: str = ""
    reply_content_type: str = ""
    row_id: int | None = None
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)
    # Set when the claim is done or when its thread should take the lead.
    signal: threading.Event = field(default_factory=threading.Event)
    # Its request gave up waiting (and answered 503): not to be written any more.
    cancelled: bool = False


@dataclass(slots=True)
class ReplyUpdate:
    row_id: int
    status: str
    reply: str
    content_type: str
    replied_at: datetime


class ClaimWriter:
    """Group commit by whichever request thread gets there first ("leader/follower").

    A request appends its claim and tries the commit lock: the thread that gets it writes every
    claim queued so far (its own and its followers') in one transaction and wakes them; the others
    wait for that. At low load each request writes its own claim with no hand-off at all; under
    load batches form by themselves. Replies are appended without waiting and go out with the next
    batch, or after a few milliseconds from a small background thread when no claim comes.

    The writes use a connection of their own, shared under the commit lock: Django's per-request
    connection handling (a health check per request on PostgreSQL) stays off the hot path.
    """

    def __init__(self) -> None:
        self._claims: deque[Claim] = deque()
        self._replies: deque[ReplyUpdate] = deque()
        self._commit_lock = threading.Lock()
        self._replies_waiting = threading.Event()
        self._pid: int | None = None
        self._start_lock = threading.Lock()
        self._connection: Any = None

    # --- API for request threads ------------------------------------------------------------
    def claim(self, claim: Claim, *, timeout: float = 4.0) -> int | None:
        """Insert the claim in the next batch; the new row's id, or None if it conflicted."""
        self._ensure_started()
        self._claims.append(claim)
        deadline = time.monotonic() + timeout
        while not claim.done.is_set():
            if self._commit_lock.acquire(blocking=False):
                try:
                    # One batch only: a leader that kept draining would hold its own answer
                    # back while it served later requests.
                    self._write_batch()
                finally:
                    self._commit_lock.release()
                self._pass_the_lead()
            else:
                claim.signal.wait(0.05)
                claim.signal.clear()
                if time.monotonic() > deadline and not claim.done.is_set():
                    claim.cancelled = True
                    raise DatabaseError("the claim was not written in time")
        if claim.error is not None:
            raise claim.error
        return claim.row_id

    def _pass_the_lead(self) -> None:
        """Wake the oldest waiting request so that it writes the next batch."""
        try:
            self._claims[0].signal.set()
        except IndexError:
            pass

    def log(self, claim: Claim) -> None:
        """Queue a finished row (reply included) for the next batch; nobody waits for it."""
        self._ensure_started()
        self._claims.append(claim)
        self._replies_waiting.set()

    def store_reply(self, update: ReplyUpdate) -> None:
        """Queue the reply; it is written with the next batch (behind the answer)."""
        self._ensure_started()
        self._replies.append(update)
        self._replies_waiting.set()

    def flush(self) -> None:
        """Write everything queued so far (tests, shutdown)."""
        if self._pid != os.getpid():
            return
        with self._commit_lock:
            self._drain()

    # --- writing ----------------------------------------------------------------------------
    def _ensure_started(self) -> None:
        if self._pid == os.getpid():
            return
        with self._start_lock:
            if self._pid == os.getpid():
                return
            # New process (or forked): nothing of the parent's queues, lock or connection is ours.
            self._claims = deque()
            self._replies = deque()
            self._commit_lock = threading.Lock()
            self._connection = None
            threading.Thread(
                target=self._flush_replies, name="wx-reply-writer", daemon=True
            ).start()
            self._pid = os.getpid()

    def _flush_replies(self) -> None:
        while True:
            self._replies_waiting.wait()
            self._replies_waiting.clear()
            time.sleep(0.002)  # a leader may take them along with its claims meanwhile
            if self._replies or self._claims:
                with self._commit_lock:
                    self._write_batch()
                self._pass_the_lead()
                if self._replies or self._claims:
                    self._replies_waiting.set()

    def _drain(self) -> None:
        """Write until both queues are empty. The caller holds the commit lock."""
        while self._claims or self._replies:
            self._write_batch()

    def _write_batch(self) -> None:
        """Write what is queued now (up to MAX_BATCH of each). The caller holds the commit lock."""
        claims = [c for c in _take(self._claims, MAX_BATCH) if not c.cancelled]
        replies = _take(self._replies, MAX_BATCH)
        if not claims and not replies:
            return
        try:
            self._write(claims, replies)
        except Exception:
            # One bad row (or a dropped connection, or a commit whose outcome is unknown) must not
            # sink its neighbours: reconnect and write each item alone, recognising rows that
            # the failed attempt did commit.
            logger.warning(
                "Claim batch of %d failed; writing one by one",
                len(claims) + len(replies),
                exc_info=True,
            )
            self._reset_connection()
            self._write_one_by_one(claims, replies)
        except BaseException as exc:  # report to every waiter; never leave one hanging
            logger.exception("Claim writer failed a batch of %d", len(claims) + len(replies))
            self._reset_connection()
            _fail(claims, DatabaseError(str(exc)))
        finally:
            if (
                self._connection is not None
                and self._connection.settings_dict.get("CONN_MAX_AGE") == 0
            ):
                self._reset_connection()

    def _write(self, claims: list[Claim], replies: list[ReplyUpdate]) -> None:
        _deliver(claims, self._commit(claims, replies))

    def _write_one_by_one(self, claims: list[Claim], replies: list[ReplyUpdate]) -> None:
        for update in replies:
            try:
                self._commit([], [update])
            except Exception:
                logger.exception("Reply of inbound message %s could not be stored", update.row_id)
                self._reset_connection()
        for claim in claims:
            try:
                inserted = self._commit([claim], [])
                if not inserted:
                    inserted = self._own_row(claim)
                _deliver([claim], inserted)
            except Exception as exc:
                logger.warning("Claim %s could not be written: %s", claim.dedupe_key, exc)
                self._reset_connection()
                _fail([claim], exc if isinstance(exc, DatabaseError) else DatabaseError(str(exc)))

    def _own_row(self, claim: Claim) -> dict[tuple, int]:
        """A row that conflicted but is this very claim (committed by an attempt whose outcome
        was unknown): same account, key, timestamp, nonce and body."""
        conn = self._get_connection()
        with conn.cursor() as cursor:
            cursor.execute(
                f'SELECT id FROM {_TABLE} WHERE account_id = %s AND dedupe_key = %s AND "timestamp" = %s '
                "AND nonce = %s AND body_digest = %s AND status = 'processing' AND replied_at IS NULL",
                [
                    claim.account_id,
                    claim.dedupe_key,
                    claim.timestamp,
                    claim.nonce,
                    claim.body_digest,
                ],
            )
            row = cursor.fetchone()
        return {_identity(claim): row[0]} if row else {}

    def _commit(self, claims: list[Claim], replies: list[ReplyUpdate]) -> dict[tuple, int]:
        conn = self._get_connection()
        inserted: dict[tuple, int] = {}
        with _sqlite_write_lock(conn), conn.cursor() as cursor:
            if conn.vendor == "postgresql":
                # One statement, so one round trip and one commit: the replies' UPDATE rides in a
                # data-modifying CTE of the claims' INSERT.
                sql, params = _postgres_batch(conn, claims, replies)
                cursor.execute(sql, params)
                rows = cursor.fetchall() if claims else []
            else:
                rows = _sqlite_batch(conn, cursor, claims, replies)
        for row_id, account_id, key, timestamp, nonce in rows:
            inserted.setdefault((account_id, key, timestamp, nonce), row_id)
        return inserted

    def _get_connection(self) -> Any:
        if self._connection is None:
            default = connections[DEFAULT_DB_ALIAS]
            wrapper = type(default)(dict(default.settings_dict), alias=DEFAULT_DB_ALIAS)
            wrapper.inc_thread_sharing()  # used by whichever thread holds the commit lock
            self._connection = wrapper
        return self._connection

    def _reset_connection(self) -> None:
        if self._connection is None:
            return
        try:
            self._connection.close()
        except DatabaseError:
            logger.warning("Closing the claim writer's connection failed", exc_info=True)
        self._connection = None


def _identity(claim: Claim) -> tuple:
    return (claim.account_id, claim.dedupe_key, claim.timestamp, claim.nonce)


def _deliver(claims: list[Claim], inserted: dict[tuple, int]) -> None:
    """Wake each claim with its row id, or None when its INSERT conflicted. Rows are matched on
    account, key, timestamp and nonce: the same MsgId in two accounts, or a replayed
    (timestamp, nonce), must not take another claim's row."""
    for claim in claims:
        claim.row_id = inserted.pop(_identity(claim), None)
        claim.done.set()
        claim.signal.set()


def _fail(claims: list[Claim], error: DatabaseError) -> None:
    for claim in claims:
        claim.error = error
        claim.done.set()
        claim.signal.set()


def _take(queue_: deque[Any], limit: int) -> list[Any]:
    taken: list[Any] = []
    while queue_ and len(taken) < limit:
        taken.append(queue_.popleft())
    return taken


@contextmanager
def _sqlite_write_lock(conn: Any) -> Iterator[None]:
    """On SQLite, queue for the database's write lock instead of polling for it.

    SQLite's busy handler sleeps in growing steps (up to 100 ms) while another process writes,
    which put the callback's p99 at a second; a blocking file lock hands the turn over at once.
    PostgreSQL locks rows, not the database: nothing to do there.
    """
    if conn.vendor != "sqlite":
        yield
        return
    if _lock_file is None or _lock_file_pid != os.getpid():
        _open_lock_file(str(conn.settings_dict["NAME"]))
    fcntl.flock(_lock_file, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(_lock_file, fcntl.LOCK_UN)


_lock_file: Any = None
_lock_file_pid: int | None = None


def _open_lock_file(name: str) -> None:
    global _lock_file, _lock_file_pid
    _lock_file = open(name + ".write-lock", "a+b")  # noqa: SIM115 - kept open for the process
    _lock_file_pid = os.getpid()


_TABLE = "wechat_inboundmessage"


def _columns(conn: Any) -> str:
    return ", ".join(conn.ops.quote_name(c) for c in CLAIM_COLUMNS)


def _claim_values(rows: int) -> str:
    one = "(" + ", ".join(["%s"] * len(CLAIM_COLUMNS)) + ")"
    return ", ".join([one] * rows)


# Identifiers in these statements are this module's constants; every value is a bound parameter.
def _sqlite_batch(conn: Any, cursor: Any, claims: list[Claim], replies: list[ReplyUpdate]) -> list:
    ops = conn.ops
    rows: list = []
    cursor.execute("BEGIN IMMEDIATE")
    try:
        if replies:
            cursor.executemany(
                f"UPDATE {_TABLE} SET status = %s, reply = %s, reply_content_type = %s, "
                "replied_at = %s WHERE id = %s AND status = 'processing'",
                [_reply_params(ops, r) for r in replies],
            )
        if claims:
            params: list[Any] = []
            for claim in claims:
                params.extend(_claim_params(ops, claim))
            cursor.execute(
                f"INSERT INTO {_TABLE} ({_columns(conn)}) VALUES {_claim_values(len(claims))} "
                'ON CONFLICT DO NOTHING RETURNING id, account_id, dedupe_key, "timestamp", nonce',
                params,
            )
            rows = cursor.fetchall()
    except BaseException:
        cursor.execute("ROLLBACK")
        raise
    cursor.execute("COMMIT")
    return rows


def _postgres_batch(
    conn: Any, claims: list[Claim], replies: list[ReplyUpdate]
) -> tuple[str, list[Any]]:
    ops = conn.ops
    params: list[Any] = []
    update = ""
    if replies:
        values = ", ".join(["(%s::bigint, %s, %s, %s, %s::timestamptz)"] * len(replies))
        for r in replies:
            params.extend((r.row_id, r.status, r.reply, r.content_type, r.replied_at))
        update = (
            f"WITH r (id, status, reply, content_type, replied_at) AS (VALUES {values}), "
            f"u AS (UPDATE {_TABLE} m SET status = r.status, reply = r.reply, "
            "reply_content_type = r.content_type, replied_at = r.replied_at FROM r "
            "WHERE m.id = r.id AND m.status = 'processing' RETURNING m.id) "
        )
        if not claims:
            return update + "SELECT count(*) FROM u", params
    for claim in claims:
        params.extend(_claim_params(ops, claim))
    insert = (
        f"INSERT INTO {_TABLE} ({_columns(conn)}) VALUES {_claim_values(len(claims))} "
        'ON CONFLICT DO NOTHING RETURNING id, account_id, dedupe_key, "timestamp", nonce'
    )
    return update + insert, params


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
        claim.status,
        claim.reply,
        claim.reply_content_type,
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
