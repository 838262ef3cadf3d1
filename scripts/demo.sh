#!/usr/bin/env bash
# Start the demo: the web app, the task worker and the mock WeChat platform (its own process, so a
# call to it never waits on the web workers serving the callback). Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT=${PORT:-8000}
MOCK_PORT=${MOCK_PORT:-8001}
export DJANGO_SETTINGS_MODULE=weizheng.settings.dev
export WEIZHENG_MOCK_BASE_URL="http://127.0.0.1:${MOCK_PORT}/wxmock"
export WEIZHENG_PUBLIC_BASE_URL="${WEIZHENG_PUBLIC_BASE_URL:-http://127.0.0.1:${PORT}}"
LOG_DIR="${WEIZHENG_VAR_DIR:-var}/log"
mkdir -p "$LOG_DIR"

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

.venv/bin/gunicorn weizheng.wsgi --bind "127.0.0.1:${MOCK_PORT}" --workers 1 --threads 8 --no-control-socket \
  --access-logfile "$LOG_DIR"/mock-access.log --error-logfile "$LOG_DIR"/mock.log &
pids+=($!)
.venv/bin/gunicorn weizheng.wsgi --bind "127.0.0.1:${PORT}" --workers 2 --threads 8 --no-control-socket \
  --access-logfile "$LOG_DIR"/web-access.log --error-logfile "$LOG_DIR"/web.log &
pids+=($!)
"$PY" manage.py db_worker --queue-name '*' --no-reload >"$LOG_DIR"/worker.log 2>&1 &
pids+=($!)
# Retries, paused lanes coming back and anything a lost task left: the notification dispatcher.
"$PY" manage.py notifications_dispatch --loop >"$LOG_DIR"/notifications.log 2>&1 &
pids+=($!)
# Appointment reminders the day before, and no-shows of past days (docs/appointments.md).
"$PY" manage.py appointments_remind --loop --interval 300 >"$LOG_DIR"/appointments.log 2>&1 &
pids+=($!)
# 问政's clock: reminders, escalations (e-mails to the log), closing (docs/inquiries.md).
"$PY" manage.py inquiries_clock --loop --interval 300 >"$LOG_DIR"/inquiries.log 2>&1 &
pids+=($!)
# Write-offs the billers could not take yet, and orders whose WeChat Pay notify never came.
"$PY" manage.py payments_work --loop >"$LOG_DIR"/payments.log 2>&1 &
pids+=($!)

for _ in $(seq 1 50); do
  curl -fs -o /dev/null "http://127.0.0.1:${PORT}/healthz" && break
  sleep 0.2
done
"$PY" manage.py demo_publish --port "$PORT" || true
"$PY" manage.py demo_info --port "$PORT" --mock-port "$MOCK_PORT"

# Open the phone simulator when there is a desktop to open it on (WEIZHENG_OPEN_BROWSER=0: never).
sim_url="http://127.0.0.1:${PORT}/simulator/?account=police"
if [ "${WEIZHENG_OPEN_BROWSER:-1}" = "1" ]; then
  if [ "$(uname)" = "Darwin" ] && command -v open >/dev/null; then
    open "$sim_url" || true
  elif [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && command -v xdg-open >/dev/null; then
    xdg-open "$sim_url" >/dev/null 2>&1 || true
  fi
fi
wait
