#!/usr/bin/env bash
# Speed and memory figures (never assertions): each script prints its own table.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
for script in bench/*.py; do
  echo "== $script"
  .venv/bin/python "$script" || status=1
done
exit $status
