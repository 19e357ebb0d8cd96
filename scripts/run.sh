#!/usr/bin/env bash
# Start the action server and the Rasa server on 127.0.0.1, in the foreground.
# Ctrl-C (SIGINT to the process group) or SIGTERM stops both cleanly.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$ROOT"
load_env
apply_defaults

# Secrets missing from the environment are generated into .env (git-ignored, mode 0600).
# Their values are never printed, and never put on a command line (the process list).
for secret in RASA_AUTH_TOKEN ACTION_SERVER_TOKEN CONSOLE_TOKEN REST_TOKEN WEB_SESSION_SECRET; do
  if [ -z "${!secret:-}" ]; then
    value="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(32))')"
    (umask 077 && touch .env && echo "$secret=$value" >> .env)
    chmod 600 .env
    export "$secret=$value"
    echo "run: generated $secret into .env (git-ignored, mode 0600)"
  fi
done

model="$(ls -t models/*.tar.gz 2>/dev/null | head -n 1 || true)"
[ -n "$model" ] || { echo "run: no model in models/; run 'make train'" >&2; exit 1; }
# The case store's schema (Alembic): var/cases.db, or the PostgreSQL database in DB_URL.
"$PY" -m bot.migrate

actions_pid=""
rasa_pid=""
reminders_pid=""
stop() {
  trap - INT TERM
  echo "run: stopping"
  for pid in $rasa_pid $actions_pid $reminders_pid; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
  exit 0
}
trap stop INT TERM

start_actions() {
  SANIC_HOST=127.0.0.1 "$PY" -m actions.server --actions actions --port "$ACTION_PORT" &
  actions_pid=$!
}

start_reminders() {
  "$PY" -m bot.reminders &
  reminders_pid=$!
}

start_actions
# The reminder runner: sends each due reminder once (bot/reminders; one per replica is safe).
start_reminders
# bot.rasa_run adds --auth-token from RASA_AUTH_TOKEN inside the process.
"$PY" -m bot.rasa_run run --enable-api \
  --interface 127.0.0.1 --port "$RASA_PORT" --model "$model" \
  --endpoints endpoints.yml --credentials credentials.yml &
rasa_pid=$!

cat <<MSG
run: model $model
run: action server  http://127.0.0.1:$ACTION_PORT/webhook
run: Rasa server    http://127.0.0.1:$RASA_PORT  (HTTP API token: RASA_AUTH_TOKEN in $ROOT/.env or the environment)
run: chat widget    http://127.0.0.1:$RASA_PORT/webhooks/web/
run: agent console  http://127.0.0.1:$RASA_PORT/webhooks/console/
run: talk to the bot (REST_TOKEN is in $ROOT/.env or the environment):
  source .env
  curl -s -X POST http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook \\
    -H 'Content-Type: application/json' -H "Authorization: Bearer \$REST_TOKEN" \\
    -d '{"sender": "me", "message": "卖家一直不同意退款怎么办"}'
run: reminder runner (python -m bot.reminders, every ${REMINDER_POLL_SECONDS:-30} s)
run: Ctrl-C stops both servers and the reminder runner
MSG

# Rasa exiting stops everything; the action server is restarted if it stops on its own
# (conversations go on once it is back; meanwhile the REST channel says so).
while true; do
  wait -n || true
  if ! kill -0 "$rasa_pid" 2>/dev/null; then
    echo "run: the Rasa server stopped"
    stop
  fi
  if ! kill -0 "$actions_pid" 2>/dev/null; then
    echo "run: the action server stopped; starting it again"
    sleep 1
    start_actions
  fi
  if ! kill -0 "$reminders_pid" 2>/dev/null; then
    echo "run: the reminder runner stopped; starting it again"
    sleep 1
    start_reminders
  fi
done
