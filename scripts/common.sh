# Shared settings for the project's scripts. Source it; it only defines things.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
RASA="$VENV/bin/rasa"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
export PYTHONWARNINGS="${PYTHONWARNINGS:-ignore::DeprecationWarning}"
export SQLALCHEMY_SILENCE_UBER_WARNING=1
export RASA_TELEMETRY_ENABLED=false

# Training inputs: a change to any of these means the model must be retrained.
TRAIN_INPUTS=(config.yml domain.yml data/nlu data/stories data/rules data/dictionary
  data/entities data/normalization bot/nlu bot/chinese_forms.py bot/mixed_language.py bot/dates.py
  requirements)
TRAIN_DATA=(data/nlu data/stories data/rules)

load_env() {
  # Variables already in the environment win over .env.
  local file="$ROOT/.env" line key
  [ -f "$file" ] || return 0
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in ''|'#'*) continue ;; esac
    key="${line%%=*}"
    [ -n "${!key+x}" ] || export "$line"
  done < "$file"
}

apply_defaults() {
  export RASA_PORT="${RASA_PORT:-5005}"
  export ACTION_PORT="${ACTION_PORT:-5055}"
  export ACTION_ENDPOINT_URL="${ACTION_ENDPOINT_URL:-http://127.0.0.1:${ACTION_PORT}/webhook}"
  mkdir -p "$ROOT/var"
  export DB_URL="${DB_URL:-sqlite:///$ROOT/var/rasa.db}"
  # credentials.yml names these; Rasa refuses unset variables, empty means "not configured".
  export WECHAT_TOKEN="${WECHAT_TOKEN:-}" WECHAT_APP_ID="${WECHAT_APP_ID:-}"
  export WECHAT_APP_SECRET="${WECHAT_APP_SECRET:-}" WECHAT_AES_KEY="${WECHAT_AES_KEY:-}"
  export WECHAT_API_BASE="${WECHAT_API_BASE:-https://api.weixin.qq.com}"
  # endpoints.yml names it too; run.sh generates it when it is empty.
  export ACTION_SERVER_TOKEN="${ACTION_SERVER_TOKEN:-}"
}

train_fingerprint() {
  (cd "$ROOT" && find "${TRAIN_INPUTS[@]}" -type f ! -name '*.pyc' -print0 2>/dev/null \
    | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
}
