#!/usr/bin/env bash
# Every test suite: SQLite, and PostgreSQL (with Redis) when they are reachable.
# In CI both are reachable (.ci/run starts them), so both runs happen there.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
mkdir -p var

"$PY" -m ruff check . || exit 1
"$PY" -m ruff format --check . || exit 1
.venv/bin/mypy || exit 1
"$PY" manage.py makemigrations --check --dry-run >/dev/null || { echo "A model change has no migration."; exit 1; }

run_pytest() {
  local label=$1; shift
  echo "== tests on $label"
  "$PY" -m pytest -q "$@"
  local rc=$?
  if [ $rc -eq 5 ]; then echo "no tests collected on $label"; return 1; fi
  return $rc
}

# The SQLite and PostgreSQL runs are independent (own databases, own Redis db, own ports), so on
# a machine with two or more cores they run side by side; each run's output is printed whole.
# WEIZHENG_TEST_SERIAL=1 runs them one after the other.
pg_url=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/weizheng}
redis_url=${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}
pg_label=""
if "$PY" - "$pg_url" <<'PYEOF' 2>/dev/null; then
import sys, psycopg
psycopg.connect(sys.argv[1].rsplit("/", 1)[0] + "/postgres", connect_timeout=3).close()
PYEOF
  if "$PY" -c "import redis,sys; redis.Redis.from_url(sys.argv[1], socket_timeout=2).ping()" "$redis_url" 2>/dev/null; then
    pg_label="PostgreSQL + Redis"
  else
    echo "Redis is not reachable at $redis_url: PostgreSQL run without it."
    pg_label="PostgreSQL"
    redis_url=""
  fi
else
  echo "PostgreSQL is not reachable at $pg_url: skipped the PostgreSQL run."
fi

run_sqlite() { (unset DATABASE_URL REDIS_URL; run_pytest "SQLite"); }
run_postgres() {
  if [ -n "$redis_url" ]; then
    DATABASE_URL=$pg_url REDIS_URL=$redis_url run_pytest "$pg_label"
  else
    (unset REDIS_URL; DATABASE_URL=$pg_url run_pytest "$pg_label")
  fi
}

status=0
cores=$(nproc 2>/dev/null || echo 1)
if [ -n "$pg_label" ] && [ "$cores" -ge 2 ] && [ -z "${WEIZHENG_TEST_SERIAL:-}" ]; then
  echo "== SQLite and $pg_label run side by side; each prints its results when it ends"
  logs=$(mktemp -d)
  run_sqlite >"$logs/sqlite.log" 2>&1 &
  sqlite_pid=$!
  run_postgres >"$logs/postgres.log" 2>&1 &
  postgres_pid=$!
  wait $sqlite_pid || status=1
  cat "$logs/sqlite.log"
  wait $postgres_pid || status=1
  cat "$logs/postgres.log"
  rm -rf "$logs"
else
  run_sqlite || status=1
  if [ -n "$pg_label" ]; then run_postgres || status=1; fi
fi
if [ -z "$pg_label" ] && [ "${CI:-}" = "true" ]; then echo "CI must run PostgreSQL."; status=1; fi
exit $status
