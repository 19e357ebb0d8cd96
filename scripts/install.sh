#!/usr/bin/env bash
# Create .venv and install the pinned dependency set; skipped when already done.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$ROOT"

stamp_value="$(cat requirements/*.txt scripts/install.sh | sha256sum | cut -c1-16)"
stamp_file="$VENV/.installed"
if [ -x "$PY" ] && [ "$(cat "$stamp_file" 2>/dev/null)" = "$stamp_value" ]; then
  echo "install: .venv is up to date"
  exit 0
fi

pick_python() {
  for candidate in "${PYTHON:-}" python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      echo "$candidate"; return 0
    fi
  done
  echo "install: Python 3.11 is required (set PYTHON=/path/to/python3.11)" >&2
  return 1
}

python_bin="$(pick_python)"
[ -x "$PY" ] || "$python_bin" -m venv "$VENV"
quiet_pip() { "$VENV/bin/pip" "$@" 2>&1 | grep -v "is ignored: it is neither" || true; }
echo "install: Rasa's pinned dependencies (a few minutes the first time)"
"$VENV/bin/pip" install -q -r requirements/rasa-deps.lock.txt 2>&1 | grep -v "is ignored: it is neither" || true
echo "install: rasa 3.6.21 and rasa-sdk 3.6.2 (Python 3.11: --no-deps --ignore-requires-python)"
quiet_pip install -q --no-deps --ignore-requires-python rasa==3.6.21 rasa-sdk==3.6.2
echo "install: project packages"
quiet_pip install -q -c requirements/rasa-deps.lock.txt -r requirements/app.lock.txt
"$PY" -c "import rasa, rasa_sdk, spacy, jieba, opencc, chinese_calendar" \
  || { echo "install: import check failed" >&2; exit 1; }
echo "$stamp_value" > "$stamp_file"
echo "install: done"
