#!/usr/bin/env bash
# Chat with the newest model in the terminal; starts the action server for the session.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$ROOT"
load_env
apply_defaults
"$PY" -m bot.migrate
SANIC_HOST=127.0.0.1 "$PY" -m actions.server --actions actions --port "$ACTION_PORT" >var/actions-shell.log 2>&1 &
actions_pid=$!
trap 'kill -TERM $actions_pid 2>/dev/null || true; wait $actions_pid 2>/dev/null || true' EXIT
"$RASA" shell --model models --endpoints endpoints.yml
