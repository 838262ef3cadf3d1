"""Done means: kill the worker process in the middle of a 50,000-follower chunked broadcast,
restart it — the mock platform recorded each openid exactly once.

A real `manage.py db_worker` runs as a subprocess on this test run's database (a file for
SQLite, the test database on PostgreSQL); the mock platform answers over HTTP from the live
server, 1.5 s per `mass/send` call (its latency fault), so `kill -9` lands while a chunk is in
flight. The restarted worker's watchdog notices the dead sender's stale heartbeat and resumes;
the chunk that was in flight is sent again with its clientmsgid and WeChat's 45065 counts as sent.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count

from weizheng.broadcasts import actions
from weizheng.broadcasts.models import Broadcast, BroadcastChunk, ChunkState, SendState
from weizheng.core.review import ReviewStatus
from weizheng.wechat_mock import actions as mock
from weizheng.wechat_mock import callbacks
from weizheng.wechat_mock.models import Channel, MockDelivered, MockMassJob

from .conftest import add_followers, staff_world

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[3]
FOLLOWERS = 50_000
LATENCY_SECONDS = 1.5
LEASE_SECONDS = 3


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="weizheng.broadcasts.tests.worker_settings",
        WEIZHENG_WORKER_DB_NAME=str(connection.settings_dict["NAME"]),
        WEIZHENG_WORKER_LEASE=str(LEASE_SECONDS),
        WEIZHENG_TASK_BACKEND="db",
    )
    return env


def _manage(*args: str, log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill -9 takes it whole
        )


def _worker(log: Path) -> subprocess.Popen:
    return _manage(
        "db_worker", "--queue-name", "default", "--interval", "0.2", "--no-startup-delay", log=log
    )


def _wait(condition, *, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"Timed out waiting for {what}:\n{log.read_text()[-3000:]}")


def test_killing_the_worker_mid_broadcast_sends_every_openid_exactly_once(
    mock_account, django_user_model, tmp_path
):
    police = mock_account
    world = staff_world(police, django_user_model)
    add_followers(police, FOLLOWERS, on_mock=True, prefix="oKill")
    broadcast = actions.check_save_broadcast(
        account=police,
        data={
            "title": "五万人群发",
            "message_type": "text",
            "text": "【平安市公安局】台风预警：明日停课，请减少外出。",
            "audience_kind": "segment",
            "languages": ["zh_CN"],
        },
        actor=world["bob"],
    )
    actions.check_submit(broadcast=broadcast, actor=world["bob"])
    actions.check_approve_broadcast(broadcast=broadcast, actor=world["rita"])
    # The final approval's effect, without this process's immediate task backend sending it:
    # the worker subprocess is to send it.
    Broadcast.objects.filter(pk=broadcast.pk).update(
        review_status=ReviewStatus.APPROVED, state=SendState.SCHEDULED
    )
    mock.inject_fault(
        app=police.app_id, api="/cgi-bin/message/mass/send", kind="latency", value=LATENCY_SECONDS
    )
    log = tmp_path / "worker.log"
    enqueue = _manage(
        "shell",
        "-c",
        f"from weizheng.broadcasts.actions import schedule_dispatch; schedule_dispatch({broadcast.pk})",
        log=log,
    )
    assert enqueue.wait(timeout=60) == 0, log.read_text()

    first = _worker(log)
    chunks = BroadcastChunk.objects.filter(broadcast=broadcast)
    try:
        # Two chunks through, the third in flight for half its latency: kill -9.
        _wait(
            lambda: chunks.filter(state=ChunkState.SENT).count() >= 2,
            timeout=60,
            what="two chunks",
            log=log,
        )
        in_flight = _wait(
            lambda: chunks.filter(state=ChunkState.SENDING).first(),
            timeout=10,
            what="a chunk in flight",
            log=log,
        )
        time.sleep(LATENCY_SECONDS / 2)
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    assert Broadcast.objects.get(pk=broadcast.pk).state == SendState.SENDING
    assert chunks.count() == 5
    sent_before = chunks.filter(state=ChunkState.SENT).count()
    assert 2 <= sent_before < 5
    in_flight.refresh_from_db()
    assert in_flight.state == ChunkState.SENDING  # the dead worker never learned its outcome

    second = _worker(log)
    try:
        _wait(
            lambda: Broadcast.objects.get(pk=broadcast.pk).state == SendState.SENT,
            timeout=60,
            what="the restarted worker to finish",
            log=log,
        )
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(timeout=10)

    callbacks.flush_callbacks()
    delivered = MockDelivered.objects.filter(app__appid=police.app_id, channel=Channel.MASS)
    assert delivered.count() == FOLLOWERS
    assert delivered.values("openid").distinct().count() == FOLLOWERS
    assert not delivered.values("openid").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert MockMassJob.objects.filter(app__appid=police.app_id).count() == 5
    in_flight.refresh_from_db()
    assert in_flight.state == ChunkState.SENT and in_flight.was_repeat
    assert set(chunks.values_list("state", flat=True)) == {ChunkState.SENT}
