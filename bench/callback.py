"""Callback throughput: Weizheng's /wx/<slug>/ against a bare wechatpy + Django echo.

Both run under the same gunicorn configuration in the same run and get the same load: signed
plain-mode text messages over loopback, every one new (its own MsgId and nonce, a valid signature,
the current timestamp), from `wrk` with 16 connections (a Python keep-alive load generator when
wrk cannot be had). Weizheng runs on SQLite, then on PostgreSQL when one answers at
postgres://postgres@127.0.0.1:5432 (in a throwaway database `weizheng_bench`).

Prints messages/s, p50 and p99 for each, and Weizheng's ratio to the echo measured beside it.
Figures are never asserted: the script exits non-zero only when something is broken (a refused
or failed request, a stored-message count that differs from the messages sent, a server that
does not start). The targets and the latest figures live in docs/performance.md;
`--write-docs` rewrites its callback section from this run.

Usage: .venv/bin/python bench/callback.py [--duration 10] [--backends sqlite,postgres,postgres+redis]
       [--workers 2] [--threads 8] [--loadgen auto|wrk|python] [--write-docs]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
LUA_SCRIPT = BENCH_DIR / "callback_wrk.lua"
DOCS = ROOT / "docs" / "performance.md"
PY = sys.executable

TOKEN = "benchtoken"  # noqa: S105 - the throwaway bench account's token
SLUG = "bench"
APP_ID = "wx0123456789abcdef"
TO_USER = "gh_0123456789ab"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "weizheng_bench"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"

CONNECTIONS = 16
WRK_THREADS = 2
# Targets from the issue (docs/performance.md): ratio of Weizheng's messages/s to the echo's.
TARGET_RATIO = {"SQLite": 0.5, "PostgreSQL": 0.4, "PostgreSQL + Redis": 0.4}
REDIS_URL = "redis://127.0.0.1:6379/13"
TARGET_P99_MS = 50.0

DOCS_BEGIN = "<!-- bench/callback.py:begin -->"
DOCS_END = "<!-- bench/callback.py:end -->"


class Broken(Exception):
    """Something is wrong (not slow): the benchmark exits non-zero."""


# --- processes ----------------------------------------------------------------------------------
_children: list[subprocess.Popen] = []


def spawn(cmd: list[str], *, env: dict, cwd: Path, log: Path) -> subprocess.Popen:
    """Start a child in its own process group (so it and its workers can be stopped together)."""
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    _children.append(proc)
    return proc


def stop(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    else:
        # The leader is gone; make sure no worker of its group outlived it.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    if proc in _children:
        _children.remove(proc)


def stop_all() -> None:
    for proc in list(_children):
        stop(proc, timeout=5.0)


def _on_sigterm(signum, frame):
    raise KeyboardInterrupt


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_checked(cmd: list[str], *, env: dict, what: str) -> str:
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise Broken(f"{what} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


# --- signed requests ----------------------------------------------------------------------------
_serial = 100_000_000  # nonces and MsgIds are unique across every run of one invocation


def plain_signature(timestamp: str, nonce: str) -> str:
    joined = "".join(sorted([TOKEN, timestamp, nonce]))
    return hashlib.sha1(joined.encode(), usedforsecurity=False).hexdigest()


def make_requests(path: Path, n: int) -> list[tuple[str, bytes]]:
    """n signed plain-mode text messages, each new; written one a line as "target\\tbody"."""
    global _serial
    timestamp = str(int(time.time()))
    out = []
    with open(path, "w", encoding="utf-8") as f:
        for _ in range(n):
            _serial += 1
            nonce = str(_serial)
            openid = f"obench{_serial % 997:022d}"
            query = urlencode(
                {
                    "signature": plain_signature(timestamp, nonce),
                    "timestamp": timestamp,
                    "nonce": nonce,
                    "openid": openid,
                }
            )
            body = (
                f"<xml><ToUserName><![CDATA[{TO_USER}]]></ToUserName>"
                f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
                f"<CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
                f"<Content><![CDATA[你好，我想咨询社保卡办理 {_serial}]]></Content>"
                f"<MsgId>{7_100_000_000_000_000_000 + _serial}</MsgId></xml>"
            )
            target = f"/wx/{SLUG}/?{query}"
            f.write(f"{target}\t{body}\n")
            out.append((target, body.encode("utf-8")))
    return out


# --- load generators ----------------------------------------------------------------------------
def ensure_wrk(choice: str) -> str | None:
    """Path of wrk, installing Debian's package when missing and we are root; None → Python."""
    if choice == "python":
        return None
    found = shutil.which("wrk")
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing: installing Debian's package ...", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
        if subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], **quiet).returncode:
            subprocess.run(["apt-get", "update", "-qq"], **quiet)
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], **quiet)
        found = shutil.which("wrk")
    if found is None:
        if choice == "wrk":
            raise Broken("wrk is not installed and could not be installed")
        print("wrk could not be had: using the Python keep-alive load generator instead.")
    return found


def run_wrk(wrk: str, port: int, requests_file: Path, duration: float) -> dict:
    cmd = [
        wrk,
        f"-t{WRK_THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(LUA_SCRIPT),
        f"http://127.0.0.1:{port}/wx/{SLUG}/",
        "--",
        str(requests_file),
        str(WRK_THREADS),
    ]
    done = subprocess.run(
        cmd, capture_output=True, text=True, timeout=duration + 60, start_new_session=True
    )
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            result = json.loads(line[len("BENCH_JSON ") :])
            break
    else:
        raise Broken(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    result["socket_errors"] = sum(
        result[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts")
    )
    return result


async def _python_load(port: int, requests: list[tuple[str, bytes]], duration: float) -> dict:
    """A closed-loop keep-alive load generator: CONNECTIONS connections, each its own slice."""
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    stats = {"sent": 0, "requests": 0, "status_errors": 0, "exhausted": 0, "socket_errors": 0}
    host = f"127.0.0.1:{port}"
    slices = [requests[i::CONNECTIONS] for i in range(CONNECTIONS)]

    def encode(target: str, body: bytes) -> bytes:
        head = (
            f"POST {target} HTTP/1.1\r\nHost: {host}\r\nContent-Type: text/xml\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        return head.encode("ascii") + body

    start = loop.time()
    deadline = start + duration

    async def connection(mine: list[tuple[str, bytes]]) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for target, body in mine:
                if loop.time() >= deadline:
                    return
                t0 = time.perf_counter()
                writer.write(encode(target, body))
                stats["sent"] += 1
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                status = int(lines[0].split(" ", 2)[1])
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (line.partition(":") for line in lines[1:] if line)
                }
                if "chunked" in headers.get("transfer-encoding", "").lower():
                    while True:
                        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                        await reader.readexactly(size + 2)
                        if size == 0:
                            break
                else:
                    await reader.readexactly(int(headers.get("content-length", "0")))
                latencies.append(time.perf_counter() - t0)
                stats["requests"] += 1
                if status > 399:
                    stats["status_errors"] += 1
                if headers.get("connection", "").lower() == "close":
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
            if loop.time() < deadline:
                stats["exhausted"] += 1
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
            stats["socket_errors"] += 1
        finally:
            writer.close()

    await asyncio.gather(*(connection(s) for s in slices))
    elapsed = loop.time() - start
    latencies.sort()

    def pct(p: float) -> int:
        if not latencies:
            return 0
        return int(latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))] * 1e6)

    mean = sum(latencies) / len(latencies) * 1e6 if latencies else 0.0
    return {
        **stats,
        "duration_us": int(elapsed * 1e6),
        "p50_us": pct(50),
        "p90_us": pct(90),
        "p99_us": pct(99),
        "max_us": int(latencies[-1] * 1e6) if latencies else 0,
        "mean_us": mean,
    }


def cpu_seconds(server: subprocess.Popen) -> float:
    """User + system CPU seconds used so far by the server's worker processes."""
    total = 0.0
    with contextlib.suppress(OSError):
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        for pid in children:
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def machine_busy(seconds: float = 1.0) -> float:
    """Share of the machine's CPU time in use over `seconds` (others' work included)."""

    def sample() -> tuple[int, int]:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return sum(values), values[3] + values[4]

    try:
        total0, idle0 = sample()
        time.sleep(seconds)
        total1, idle1 = sample()
    except (OSError, ValueError, IndexError):
        return 0.0
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


def load(
    wrk: str | None,
    server: subprocess.Popen,
    port: int,
    workdir: Path,
    name: str,
    n: int,
    duration: float,
) -> dict:
    requests_file = workdir / f"{name}.requests"
    requests = make_requests(requests_file, n)
    cpu_before = cpu_seconds(server)
    if wrk:
        result = run_wrk(wrk, port, requests_file, duration)
    else:
        result = asyncio.run(_python_load(port, requests, duration))
    result["cpu_ms"] = (cpu_seconds(server) - cpu_before) * 1000 / max(1, result["sent"])
    requests_file.unlink()
    result["rate"] = result["requests"] / (result["duration_us"] / 1e6)
    if result["exhausted"]:
        raise Broken(f"{name}: the load generator ran out of pre-generated requests ({n})")
    if result["status_errors"] or result["socket_errors"]:
        raise Broken(
            f"{name}: {result['status_errors']} answers were 4xx/5xx and "
            f"{result['socket_errors']} requests failed at the socket level"
        )
    return result


# --- servers ------------------------------------------------------------------------------------
@dataclass
class ServerConfig:
    workers: int
    threads: int

    def args(self, port: int, log: Path) -> list[str]:
        return [
            "--worker-class",
            "gthread",
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--keep-alive",
            "30",
            "--timeout",
            "60",
            "--error-logfile",
            str(log),
            "--log-level",
            "warning",
            "--no-control-socket",
            "--worker-tmp-dir",
            # The heartbeat file in memory, as gunicorn's docs advise for a busy worker.
            "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir(),  # noqa: S108
        ]

    def describe(self) -> str:
        return (
            f"gunicorn --worker-class gthread --workers {self.workers} --threads {self.threads}, "
            f"bind 127.0.0.1, keep-alive 30 s, access log off"
        )


def get(port: int, target: str, timeout: float = 2.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{target}", timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def post(port: int, target: str, body: bytes) -> tuple[int, bytes]:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{target}", data=body, headers={"Content-Type": "text/xml"}
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as r:  # noqa: S310 - http://127.0.0.1 only
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def start_server(
    name: str, app: str, *, cwd: Path, env: dict, config: ServerConfig, workdir: Path
) -> tuple[subprocess.Popen, int]:
    port = free_port()
    log = workdir / f"{name}.log"
    cmd = [PY, "-m", "gunicorn", *config.args(port, log), app]
    proc = spawn(cmd, env=env, cwd=cwd, log=log)
    # Ready when the signed GET check (WeChat's URL check) echoes back.
    timestamp, nonce = str(int(time.time())), "ready"
    check = urlencode(
        {
            "signature": plain_signature(timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "echostr": "ready",
        }
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise Broken(f"{name} server exited ({proc.returncode}):\n{tail(log)}")
        with contextlib.suppress(OSError):
            status, body = get(port, f"/wx/{SLUG}/?{check}")
            if status == 200 and body == b"ready":
                return proc, port
            raise Broken(f"{name} server answered the URL check with {status}: {body[:200]!r}")
        time.sleep(0.1)
    raise Broken(f"{name} server did not start within 30 s:\n{tail(log)}")


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def check_reply(name: str, port: int, workdir: Path) -> None:
    """One message by hand: a 200 with a text reply addressed back to the sender."""
    [(target, body)] = make_requests(workdir / f"{name}.sanity", 1)
    status, answer = post(port, target, body)
    openid = body.split(b"<FromUserName><![CDATA[", 1)[1].split(b"]]>", 1)[0]
    text = answer.decode("utf-8", "replace")
    if (
        status != 200
        or "<MsgType><![CDATA[text]]></MsgType>" not in text
        or f"<ToUserName><![CDATA[{openid.decode()}]]></ToUserName>" not in text
    ):
        raise Broken(f"{name}: unexpected answer to a text message: {status} {text[:300]!r}")


# --- databases ----------------------------------------------------------------------------------
class Store:
    """Counts Weizheng's stored messages for the bench account, straight from the database."""

    def __init__(self, backend: str, sqlite_path: Path | None = None):
        self.backend = backend
        self.sqlite_path = sqlite_path

    def counts(self) -> tuple[int, int]:
        """(stored messages, of which replied) for the bench account."""
        sql = (
            "SELECT count(*), coalesce(sum(CASE WHEN m.status = 'replied' THEN 1 ELSE 0 END), 0) "
            "FROM wechat_inboundmessage m JOIN wechat_officialaccount a ON a.id = m.account_id "
            "WHERE a.slug = %s"
        )
        if self.backend == "SQLite":
            with contextlib.closing(sqlite3.connect(self.sqlite_path, timeout=30)) as conn:
                row = conn.execute(sql.replace("%s", "?"), (SLUG,)).fetchone()
        else:
            import psycopg

            with psycopg.connect(PG_URL.replace("postgres://", "postgresql://", 1)) as conn:
                row = conn.execute(sql, (SLUG,)).fetchone()
        return int(row[0]), int(row[1])

    def settle(self, expected: int, timeout: float = 10.0) -> tuple[int, int]:
        """Counts once the requests cut off at the end of a run have been answered."""
        deadline = time.monotonic() + timeout
        while True:
            stored, replied = self.counts()
            if (stored == expected and replied == stored) or time.monotonic() > deadline:
                return stored, replied
            time.sleep(0.2)


def postgres_available() -> tuple[bool, str]:
    try:
        import psycopg
    except ImportError:
        return False, "psycopg is not installed"
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
            sync = conn.execute("SHOW synchronous_commit").fetchone()[0]
        return True, f"PostgreSQL {version}, synchronous_commit={sync}"
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return False, f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:120]}"


def postgres_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)


# --- one backend --------------------------------------------------------------------------------
@dataclass
class Row:
    backend: str
    app: str
    rate: float
    p50_ms: float
    p99_ms: float
    requests: int
    cpu_ms: float
    ratio: float | None = None
    stored: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def target(self) -> str:
        if self.app == "echo":
            return "baseline"
        return f"≥ {TARGET_RATIO[self.backend]:.1f}× and p99 < {TARGET_P99_MS:.0f} ms"

    @property
    def met(self) -> bool | None:
        if self.app == "echo" or self.ratio is None:
            return None
        return self.ratio >= TARGET_RATIO[self.backend] and self.p99_ms < TARGET_P99_MS


def row_from(backend: str, app: str, *results: dict) -> Row:
    """One table row; several runs of the same app (the echo before and after) are averaged."""

    def mean(values) -> float:
        values = list(values)
        return sum(values) / len(values)

    return Row(
        backend,
        app,
        mean(r["rate"] for r in results),
        mean(r["p50_us"] for r in results) / 1000,
        mean(r["p99_us"] for r in results) / 1000,
        sum(r["requests"] for r in results),
        mean(r["cpu_ms"] for r in results),
    )


def weizheng_env(backend: str, vardir: Path) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("WEIZHENG_", "DJANGO_")) and k not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="weizheng.settings.dev",
        WEIZHENG_VAR_DIR=str(vardir),
        WEIZHENG_LOG_LEVEL="WARNING",
        # dev settings with DEBUG off, as in production: DEBUG keeps every SQL query in memory.
        WEIZHENG_DEBUG="0",
        PYTHONDONTWRITEBYTECODE="1",
    )
    if backend.startswith("PostgreSQL"):
        env["DATABASE_URL"] = PG_URL
    if backend.endswith("Redis"):
        # The Redis fast path: claims and replies in Redis, log rows written behind the answer.
        env["REDIS_URL"] = REDIS_URL
        env["WEIZHENG_REDIS_FAST_PATH"] = "1"
    return env


def redis_available() -> bool:
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
        client.flushdb()
        return True
    except Exception:
        return False


def bench_backend(
    backend: str, *, wrk: str | None, config: ServerConfig, args, tmp: Path, notes: list[str]
) -> list[Row]:
    workdir = tmp / backend.lower().replace(" + ", "-")
    vardir = workdir / "var"
    vardir.mkdir(parents=True)
    env = weizheng_env(backend, vardir)
    store = Store(backend, vardir / "weizheng.sqlite3")

    t0 = time.monotonic()
    run_checked([PY, "manage.py", "migrate", "--noinput"], env=env, what="migrate")
    run_checked(
        [
            PY,
            "manage.py",
            "account_add",
            "--slug",
            SLUG,
            "--name",
            "Bench",
            "--appid",
            APP_ID,
            "--secret",
            "s",
            "--token",
            TOKEN,
            "--mode",
            "plain",
        ],
        env=env,
        what="account_add",
    )
    print(f"  {backend}: database ready in {time.monotonic() - t0:.1f} s", flush=True)

    # The echo runs just before and just after Weizheng under the same server configuration, and
    # Weizheng's ratio is to the mean of the two: the machine's speed drifts when others use it.
    echo_env = {k: v for k, v in env.items() if k != "DJANGO_SETTINGS_MODULE"}
    echo_env["BENCH_ECHO_TOKEN"] = TOKEN
    busy = machine_busy()
    if busy > 0.25:
        notes.append(f"{backend}: the machine was {busy:.0%} busy with other work before the run")
        print(f"  {notes[-1]}: figures are noisy")
    echo, echo_port = start_server(
        "echo", "echo_app:application", cwd=BENCH_DIR, env=echo_env, config=config, workdir=workdir
    )
    try:
        check_reply("echo", echo_port, workdir)
        load(wrk, echo, echo_port, workdir, "echo-warmup", args.warmup_requests, args.warmup)
        echo_before = load(wrk, echo, echo_port, workdir, "echo", args.requests, args.duration)
        print(f"  {backend}: echo {echo_before['rate']:,.0f} msgs/s", flush=True)

        server, port = start_server(
            "weizheng",
            "weizheng.wsgi:application",
            cwd=ROOT,
            env=env,
            config=config,
            workdir=workdir,
        )
        try:
            check_reply("weizheng", port, workdir)
            # The Redis fast path writes the row behind the answer: wait for it.
            expected = store.settle(1, timeout=5.0)[0]
            if expected != 1:
                raise Broken(f"{backend}: {expected} stored messages after one, expected 1")
            warm = load(
                wrk, server, port, workdir, "weizheng-warmup", args.warmup_requests, args.warmup
            )
            expected += warm["sent"]
            stored, _ = store.settle(expected)
            if stored != expected:
                raise Broken(f"{backend}: {stored} messages stored after warm-up, {expected} sent")
            result = load(wrk, server, port, workdir, "weizheng", args.requests, args.duration)
            expected += result["sent"]
            stored, replied = store.settle(expected)
        finally:
            stop(server)
        row = row_from(backend, "weizheng", result)
        row.stored = stored - (expected - result["sent"])
        cut = result["sent"] - result["requests"]
        print(
            f"  {backend}: weizheng {row.rate:,.0f} msgs/s; stored {row.stored:,} of "
            f"{result['sent']:,} sent ({result['requests']:,} answered 200 in the run, {cut} "
            f"answered after the load generator stopped); {stored:,} rows in all, "
            f"{replied:,} replied",
            flush=True,
        )
        log_problems = [
            line for line in tail(workdir / "weizheng.log", 200).splitlines() if "Traceback" in line
        ]
        if stored != expected:
            raise Broken(f"{backend}: {stored} messages stored in all, {expected} sent")
        if replied != stored:
            raise Broken(f"{backend}: only {replied} of {stored} stored messages are 'replied'")
        if log_problems:
            raise Broken(
                f"{backend}: tracebacks in the server log:\n{tail(workdir / 'weizheng.log')}"
            )

        echo_after = load(wrk, echo, echo_port, workdir, "echo-after", args.requests, args.duration)
        print(f"  {backend}: echo again {echo_after['rate']:,.0f} msgs/s", flush=True)
    finally:
        stop(echo)
    echo_row = row_from(backend, "echo", echo_before, echo_after)
    row.ratio = row.rate / echo_row.rate
    return [echo_row, row]


# --- report -------------------------------------------------------------------------------------
def machine() -> dict:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    import django

    return {
        "nproc": nproc,
        "cpu": cpu,
        "python": platform.python_version(),
        "django": django.get_version(),
        "sqlite": sqlite3.sqlite_version,
        "kernel": platform.release(),
    }


def table(rows: list[Row], markdown: bool = False) -> str:
    head = [
        "backend",
        "app",
        "msgs/s",
        "p50 ms",
        "p99 ms",
        "CPU ms/msg",
        "ratio to echo",
        "target",
        "met",
    ]
    body = []
    for r in rows:
        body.append(
            [
                r.backend,
                r.app,
                f"{r.rate:,.0f}",
                f"{r.p50_ms:.1f}",
                f"{r.p99_ms:.1f}",
                f"{r.cpu_ms:.2f}",
                "1.00" if r.app == "echo" else f"{r.ratio:.2f}",
                r.target,
                "" if r.met is None else ("yes" if r.met else "no"),
            ]
        )
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(cells) + " |" for cells in body]
        return "\n".join(lines)
    widths = [max(len(h), *(len(c[i]) for c in body)) for i, h in enumerate(head)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(
        [fmt.format(*head), fmt.format(*("-" * w for w in widths))] + [fmt.format(*c) for c in body]
    )


def write_docs(rows, notes: list[str], info: dict, config: ServerConfig, loadgen: str, args):
    today = dt.date.today().isoformat()
    verdicts = []
    for r in rows:
        if r.app == "weizheng":
            verdicts.append(
                f"{r.backend}: {r.ratio:.2f}× the echo, p99 {r.p99_ms:.1f} ms — target "
                f"{'met' if r.met else 'not met'}"
            )
    section = f"""{DOCS_BEGIN}
## Callback throughput (`bench/callback.py`)

**Target** (foundation issue): with 16 concurrent connections, and every message durably stored
and de-duplicated before the reply, Weizheng's callback answers at least **0.4×** the echo's
messages/s on PostgreSQL and **0.5×** on SQLite, with **p99 under {TARGET_P99_MS:.0f} ms**.

**Result** ({today}): {"; ".join(verdicts)}.

{table(rows, markdown=True)}

*CPU ms/msg* is the user + system time of the gunicorn workers per message (the database
server's and the load generator's are not included).

**Method.**
- Server, the same for both apps: {config.describe()}.
- *echo*: `bench/echo_app.py`, a bare Django view with no middleware and no database that checks
  the signature with `wechatpy.utils.check_signature`, parses with `wechatpy.parse_message` and
  answers a `wechatpy.replies.TextReply`.
- *weizheng*: `/wx/bench/` of a plain-mode account, settings `weizheng.settings.dev` with DEBUG
  off and log level WARNING, freshly migrated: signature and timestamp check, parse, the claim
  INSERT (de-duplication, replay check, interaction log), the built-in fallback text reply from a
  handler thread, the reply UPDATE, then the answer.
- Order: the echo, Weizheng, the echo again, each warmed up for {args.warmup:.0f} s and measured
  for {args.duration:.0f} s; the echo row is the mean of its two runs and Weizheng's ratio is to
  that mean, because the machine's speed drifts while others use it.
- Load: {loadgen}, {CONNECTIONS} keep-alive connections ({WRK_THREADS} threads) over loopback;
  each request a new signed plain-mode text message (its own MsgId and nonce, the current
  timestamp) from a file generated just before the run; no message is sent twice.
  {latency_source(loadgen)}
- Checks (a failure makes the script exit non-zero; timings are never asserted): no answer is a
  4xx/5xx, and after each Weizheng run the rows of `wechat_inboundmessage` equal the messages sent
  (including the few still in flight when the load stopped), all of them replied.
- SQLite: WAL, synchronous=NORMAL, IMMEDIATE transactions, persistent connections, the file on
  the same disk as the project. {postgres_line(notes)}

**Machine**: {info["nproc"]} cores ({info["cpu"]}), Linux {info["kernel"]}, Python {info["python"]},
Django {info["django"]}, SQLite {info["sqlite"]}; the load generator, the servers and the
database share the same cores.{other_notes(notes)}
{DOCS_END}"""
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Performance\n"
    if DOCS_BEGIN in text and DOCS_END in text:
        before, rest = text.split(DOCS_BEGIN, 1)
        after = rest.split(DOCS_END, 1)[1]
        text = before + section + after
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOCS.write_text(text, encoding="utf-8")
    print(f"\nWrote the figures into {DOCS.relative_to(ROOT)}.")


def latency_source(loadgen: str) -> str:
    if loadgen == "wrk":
        return "Latencies are wrk's, which corrects them for coordinated omission."
    return "Latencies are measured per request by the load generator."


def other_notes(notes: list[str]) -> str:
    busy = [n for n in notes if "busy with other work" in n]
    if not busy:
        return ""
    return " It is shared with other work: " + "; ".join(busy) + "."


def postgres_line(notes: list[str]) -> str:
    for note in notes:
        if note.startswith("PostgreSQL skipped"):
            return note + "."
        if note.startswith("PostgreSQL "):
            return (
                f"{note}: the local server, a throwaway database `{PG_DB}`, persistent "
                "connections with Django's health checks (the settings' default)."
            )
    return "PostgreSQL: not measured in this run."


# --- main ---------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measured run")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up per server")
    # Every message is sent once, so each run needs more than it can send: the echo answers wrk at
    # well over 6,000 messages/s on two cores. Default: 25,000 per second of the run.
    parser.add_argument("--requests", type=int, default=None, help="messages generated per run")
    parser.add_argument("--warmup-requests", type=int, default=None)
    parser.add_argument("--backends", default="sqlite,postgres,postgres+redis")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--loadgen", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument(
        "--write-docs", action="store_true", help="rewrite the section in docs/performance.md"
    )
    args = parser.parse_args(argv)
    if args.requests is None:
        args.requests = int(25_000 * args.duration)
    if args.warmup_requests is None:
        args.warmup_requests = int(25_000 * args.warmup)

    signal.signal(signal.SIGTERM, _on_sigterm)
    config = ServerConfig(args.workers, args.threads)
    backends = [b.strip().lower() for b in args.backends.split(",") if b.strip()]
    info = machine()
    wrk = ensure_wrk(args.loadgen)
    loadgen = "wrk" if wrk else "the Python load generator"
    print(f"Machine: {info['nproc']} cores, {info['cpu']}; Python {info['python']}")
    print(f"Server:  {config.describe()} (echo and Weizheng alike)")
    print(
        f"Load:    {loadgen}, {CONNECTIONS} connections, {WRK_THREADS} threads, "
        f"{args.warmup:.0f} s warm-up + {args.duration:.0f} s per run, every message new"
    )

    rows: list[Row] = []
    notes: list[str] = []
    tmp = Path(tempfile.mkdtemp(prefix="weizheng-bench-"))
    pg_created = False
    status = 0
    try:
        if "sqlite" in backends:
            rows += bench_backend("SQLite", wrk=wrk, config=config, args=args, tmp=tmp, notes=notes)
        if "postgres" in backends or "postgresql" in backends:
            ok, detail = postgres_available()
            if not ok:
                notes.append(
                    f"PostgreSQL skipped: nothing answered at postgres://postgres@127.0.0.1:5432 "
                    f"({detail})"
                )
                print(f"  {notes[-1]}")
            else:
                notes.append(detail)
                postgres_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
                postgres_admin(f"CREATE DATABASE {PG_DB}")
                pg_created = True
                rows += bench_backend(
                    "PostgreSQL", wrk=wrk, config=config, args=args, tmp=tmp, notes=notes
                )
        if "postgres+redis" in backends:
            if not postgres_available()[0] or not redis_available():
                notes.append("PostgreSQL + Redis skipped: PostgreSQL or Redis not reachable")
                print(f"  {notes[-1]}")
            else:
                postgres_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
                postgres_admin(f"CREATE DATABASE {PG_DB}")
                pg_created = True
                rows += bench_backend(
                    "PostgreSQL + Redis", wrk=wrk, config=config, args=args, tmp=tmp, notes=notes
                )
    except Broken as exc:
        print(f"\nBROKEN: {exc}", file=sys.stderr)
        status = 1
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        status = 130
    finally:
        stop_all()
        if pg_created:
            with contextlib.suppress(Exception):
                postgres_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        shutil.rmtree(tmp, ignore_errors=True)

    if rows:
        print()
        print(table(rows))
        for note in notes:
            print(f"Note: {note}")
    if status == 0 and args.write_docs and rows:
        write_docs(rows, notes, info, config, loadgen, args)
    return status


if __name__ == "__main__":
    sys.exit(main())
