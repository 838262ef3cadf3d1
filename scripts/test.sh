#!/usr/bin/env bash
# Every test suite: SQLite first, then PostgreSQL (with Redis) when they are reachable.
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

status=0
(unset DATABASE_URL REDIS_URL; run_pytest "SQLite") || status=1

pg_url=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/weizheng}
redis_url=${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}
if "$PY" - "$pg_url" <<'PYEOF' 2>/dev/null; then
import sys, psycopg
psycopg.connect(sys.argv[1].rsplit("/", 1)[0] + "/postgres", connect_timeout=3).close()
PYEOF
  if "$PY" -c "import redis,sys; redis.Redis.from_url(sys.argv[1], socket_timeout=2).ping()" "$redis_url" 2>/dev/null; then
    DATABASE_URL=$pg_url REDIS_URL=$redis_url run_pytest "PostgreSQL + Redis" || status=1
  else
    echo "Redis is not reachable at $redis_url: PostgreSQL run without it."
    DATABASE_URL=$pg_url run_pytest "PostgreSQL" || status=1
  fi
else
  echo "PostgreSQL is not reachable at $pg_url: skipped the PostgreSQL run."
  if [ "${CI:-}" = "true" ]; then echo "CI must run PostgreSQL."; status=1; fi
fi
exit $status
