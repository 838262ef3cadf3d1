"""Broadcast fan-out: a 1,000,000-follower audience resolved, cut into chunks and sent to the mock
WeChat platform over HTTP through the real client, exactly as the worker does it.

A throwaway SQLite database (in a temporary directory) gets one account, 1,000,000 followers in
our table and the same 1,000,000 users on the mock platform (bulk inserts, not timed as part of
the fan-out). The mock runs under gunicorn on loopback; its MASSSENDJOBFINISH callbacks come
back to the same server. Then, in this process:

1. **resolve + chunk**: `actions.plan_chunks` walks the audience (a segment: language zh_CN, so
   it goes as `mass/send` lists) in keyset pages and writes 100 chunk rows of 10,000 openids;
2. **dispatch**: `actions.dispatch_broadcast` claims and sends each chunk (`mass/send` with its
   clientmsgid) through `weizheng.wechat.client`, bumping each follower's monthly count.

Measured: the time of each phase, this process's peak RSS after them (ru_maxrss) and the
Python heap peak of a planning pass under tracemalloc; the mock server's peak RSS. Baseline in
the same run: a naive resolution that loads the whole audience into a list and slices it, timed
and traced the same way. Checked (exit 1 if not): the mock recorded each of the 1,000,000
openids exactly once, 100 jobs, every chunk sent.

Usage: .venv/bin/python bench/fanout.py [--followers 1000000] [--write-docs]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "broadcasts.md"
PY = sys.executable
DOCS_BEGIN = "<!-- bench/fanout.py:begin -->"
DOCS_END = "<!-- bench/fanout.py:end -->"
TARGET_SECONDS = 60.0
TARGET_MB = 500.0
APP_ID = "wx0f0a0b0c0d0e0f10"
SLUG = "fanout"


class Broken(Exception):
    """Something is wrong (not slow): the benchmark exits non-zero."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def process_peak_mb(pid: int) -> float:
    """VmHWM of a process (Linux), 0 when unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children_of(pid: int) -> list[int]:
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    except FileNotFoundError:
        return []
    return [int(p) for p in out.split()]


def seed(n: int, port: int) -> object:
    """The account, n followers in our table and n users on the mock, by bulk inserts."""
    from django.db import connection
    from django.utils import timezone

    from weizheng.followers.models import Follower
    from weizheng.wechat.actions import do_create_account
    from weizheng.wechat_mock import actions as mock
    from weizheng.wechat_mock.models import MockUser

    account = do_create_account(
        slug=SLUG,
        name="扇出基准",
        app_id=APP_ID,
        app_secret="fanout-secret-0123456789abcdef01",  # noqa: S106 - a throwaway bench account
        token="fanouttoken",  # noqa: S106
        encoding_aes_key="",
        message_mode="plain",
        api_base_url=f"http://127.0.0.1:{port}/wxmock",
        actor_label="bench",
    )
    app = mock.register_app(
        appid=account.app_id,
        secret=account.app_secret,
        callback_url=f"http://127.0.0.1:{port}/wx/{SLUG}/",
        token=account.token,
        message_mode="plain",
        quota_limits={"mass_send": 1_000},
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    prefix = app.openid_prefix + "F"
    width = 28 - len(prefix)

    def openid(i: int) -> str:
        return f"{prefix}{i:0{width}d}"

    followers = Follower._meta.db_table
    users = MockUser._meta.db_table
    for start in range(0, n, 50_000):
        _seed_batch(
            range(start, min(n, start + 50_000)), account, app, now, openid, followers, users
        )
    return account


def _seed_batch(numbers, account, app, now, openid, followers, users) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {followers} (account_id, openid, unionid, is_subscribed, "  # noqa: S608
            "first_subscribed_at, last_subscribed_at, subscribe_count, first_scene, last_scene, "
            "subscribe_source, language, remark, is_blacklisted, created_at, updated_at) "
            "VALUES (%s, %s, '', TRUE, %s, %s, 1, '', '', 'ADD_SCENE_SEARCH', 'zh_CN', '', FALSE, "
            "%s, %s)",
            [(account.pk, openid(i), now, now, now, now) for i in numbers],
        )
        cursor.executemany(
            f"INSERT INTO {users} (app_id, openid, nickname, avatar_url, sex, country, province, "  # noqa: S608
            "city, language, wechat_id, client_platform_type, is_subscribed, subscribe_time, "
            "subscribe_scene, qr_scene, qr_scene_str, remark, tagid_list, unionid, "
            "blocks_templates, created_at) VALUES (%s, %s, '', '', 0, '中国', '', '', 'zh_CN', '', "
            "2, TRUE, %s, 'ADD_SCENE_SEARCH', 0, '', '', '[]', '', FALSE, %s)",
            [(app.pk, openid(i), now, now) for i in numbers],
        )


def new_broadcast(account: object, title: str) -> object:
    from weizheng.broadcasts.models import Broadcast, SendState
    from weizheng.core.review import ReviewStatus

    return Broadcast.objects.create(
        account=account,
        title=title,
        message_type="text",
        text="【扇出基准】台风预警：明日全市停课，请减少外出。",
        audience_kind="segment",
        languages=["zh_CN"],
        review_status=ReviewStatus.APPROVED,
        state=SendState.SENDING,
    )


def naive_resolution(broadcast: object, size: int) -> int:
    """The baseline: the whole audience in one list, sliced into chunks."""
    from weizheng.broadcasts.selectors import audience_queryset

    rows = list(audience_queryset(broadcast).order_by("pk").values_list("pk", "openid"))
    chunks = [rows[i : i + size] for i in range(0, len(rows), size)]
    texts = ["\n".join(o for _pk, o in chunk) for chunk in chunks]
    return len(texts)


def traced(fn, *args) -> tuple[object, float]:
    tracemalloc.start()
    try:
        result = fn(*args)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak / 1024 / 1024


def run(n: int) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="weizheng-fanout-"))
    port = free_port()
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="weizheng.settings.dev",
        WEIZHENG_VAR_DIR=str(workdir),
        WEIZHENG_DEBUG="0",  # DEBUG keeps every query in memory
        WEIZHENG_TASK_BACKEND="immediate",
        WEIZHENG_CONN_MAX_AGE="600",
    )
    server = None
    try:
        subprocess.run(
            [PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        import logging

        logging.getLogger("weizheng").setLevel(logging.WARNING)
        logging.getLogger("django_tasks").setLevel(logging.WARNING)
        from django.db.models import Count

        from weizheng.broadcasts import actions
        from weizheng.broadcasts.models import BroadcastChunk, ChunkState, SendState
        from weizheng.broadcasts.selectors import results_of
        from weizheng.wechat_mock import callbacks
        from weizheng.wechat_mock.models import MockDelivered, MockMassJob

        t0 = time.perf_counter()
        account = seed(n, port)
        seed_s = time.perf_counter() - t0

        log = open(workdir / "server.log", "ab")  # noqa: SIM115 - closed in finally
        server = subprocess.Popen(
            [
                str(Path(PY).parent / "gunicorn"),
                "weizheng.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--worker-class",
                "gthread",
                "--workers",
                "1",
                "--threads",
                "4",
                "--timeout",
                "120",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)  # noqa: S310
                break
            except OSError as exc:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise Broken(f"the mock server did not start: {exc}") from exc
                time.sleep(0.2)

        rss_before = peak_rss_mb()
        broadcast = new_broadcast(account, "扇出 1")
        t0 = time.perf_counter()
        chunks = actions.plan_chunks(broadcast)
        plan_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        outcome = actions.dispatch_broadcast(broadcast_id=broadcast.pk, from_watchdog=True)
        dispatch_s = time.perf_counter() - t0
        rss_after = peak_rss_mb()
        from django.db.models import Sum

        from weizheng.wechat.models import ApiCall

        http_s = (
            ApiCall.objects.filter(api="message/mass/send").aggregate(s=Sum("duration_ms"))["s"]
            or 0
        ) / 1000

        # Memory of planning alone (a second broadcast, traced), then the naive baseline.
        _, plan_heap_mb = traced(actions.plan_chunks, new_broadcast(account, "扇出 2"))
        t0 = time.perf_counter()
        naive_resolution(broadcast, actions.chunk_size())
        naive_s = time.perf_counter() - t0
        _, naive_heap_mb = traced(naive_resolution, broadcast, actions.chunk_size())

        callbacks.flush_callbacks()
        deadline = time.monotonic() + 20
        while results_of(broadcast)["reported_chunks"] < chunks and time.monotonic() < deadline:
            time.sleep(0.5)
        results = results_of(broadcast)
        server_mb = max(
            [process_peak_mb(server.pid)] + [process_peak_mb(c) for c in children_of(server.pid)]
        )

        broadcast.refresh_from_db()
        delivered = MockDelivered.objects.filter(channel="mass")
        count = delivered.count()
        doubled = delivered.values("openid").annotate(k=Count("id")).filter(k__gt=1).count()
        jobs = MockMassJob.objects.count()
        unsent = BroadcastChunk.objects.filter(broadcast=broadcast).exclude(state=ChunkState.SENT)
        problems = []
        if outcome != "finished" or broadcast.state != SendState.SENT:
            problems.append(f"broadcast ended {outcome}/{broadcast.state}: {broadcast.last_error}")
        if count != n or doubled:
            problems.append(f"mock recorded {count} deliveries for {n} followers, {doubled} twice")
        if jobs != chunks or unsent.exists():
            problems.append(f"{jobs} mass jobs for {chunks} chunks, {unsent.count()} not sent")
        if problems:
            raise Broken("; ".join(problems))
        return {
            "followers": n,
            "chunks": chunks,
            "seed_s": seed_s,
            "plan_s": plan_s,
            "dispatch_s": dispatch_s,
            "http_s": http_s,
            "total_s": plan_s + dispatch_s,
            "rss_before_mb": rss_before,
            "rss_after_mb": rss_after,
            "plan_heap_mb": plan_heap_mb,
            "naive_s": naive_s,
            "naive_heap_mb": naive_heap_mb,
            "server_mb": server_mb,
            "results": results,
        }
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        shutil.rmtree(workdir, ignore_errors=True)


def report(r: dict) -> str:
    met_time = r["total_s"] < TARGET_SECONDS
    met_memory = r["rss_after_mb"] < TARGET_MB
    today = dt.date.today().isoformat()
    res = r["results"]
    lines = [
        "## Fan-out (`bench/fanout.py`)",
        "",
        f"**Target** (issue #5): a {r['followers']:,}-follower audience resolved, chunked and "
        f"dispatched to the mock in under **{TARGET_SECONDS:.0f} s** and under "
        f"**{TARGET_MB:.0f} MB** on this machine.",
        "",
        f"**Result** ({today}, {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} cores, SQLite): {r['total_s']:.1f} s "
        f"({'met' if met_time else 'not met'}), peak RSS of the sending process "
        f"{r['rss_after_mb']:.0f} MB ({'met' if met_memory else 'not met'}).",
        "",
        "| phase | time s | memory | compared with the naive baseline |",
        "|---|---|---|---|",
        f"| resolve + chunk ({r['chunks']} chunks of ≤ 10,000, keyset pages) | "
        f"{r['plan_s']:.1f} | Python heap peak {r['plan_heap_mb']:.0f} MB | "
        f"{r['plan_s'] / r['naive_s']:.2f}× the time, "
        f"{r['plan_heap_mb'] / r['naive_heap_mb']:.2f}× the memory |",
        f"| naive: whole audience in one list, sliced (baseline, not written) | "
        f"{r['naive_s']:.1f} | Python heap peak {r['naive_heap_mb']:.0f} MB | 1.00× |",
        f"| dispatch ({r['chunks']} × `mass/send` over HTTP, clientmsgid, monthly counts) | "
        f"{r['dispatch_s']:.1f} | | of which {r['http_s']:.1f} s waiting for the mock's answers |",
        f"| **resolve + chunk + dispatch** | **{r['total_s']:.1f}** | "
        f"peak RSS {r['rss_after_mb']:.0f} MB (before: {r['rss_before_mb']:.0f} MB) | |",
        "",
        f"The mock platform's server (gunicorn, 1 worker × 4 threads) peaked at "
        f"{r['server_mb']:.0f} MB. Checked in the run: the mock recorded each of the "
        f"{r['followers']:,} openids exactly once in {r['chunks']} jobs; MASSSENDJOBFINISH "
        f"results received for {res['reported_chunks']} calls (sent {res['sent']:,}). Seeding the "
        f"followers and the mock's users (bulk inserts, not part of the figure) took "
        f"{r['seed_s']:.1f} s.",
    ]
    return "\n".join(lines)


def write_docs(text: str) -> None:
    body = DOCS.read_text() if DOCS.exists() else ""
    block = f"{DOCS_BEGIN}\n{text}\n{DOCS_END}"
    if DOCS_BEGIN in body and DOCS_END in body:
        start = body.index(DOCS_BEGIN)
        end = body.index(DOCS_END) + len(DOCS_END)
        body = body[:start] + block + body[end:]
    else:
        body = body.rstrip() + "\n\n" + block + "\n"
    DOCS.write_text(body)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--followers", type=int, default=1_000_000)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    try:
        result = run(args.followers)
    except Broken as exc:
        print(f"BROKEN: {exc}", file=sys.stderr)
        return 1
    text = report(result)
    print(text)
    if args.write_docs:
        write_docs(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
