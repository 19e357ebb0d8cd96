#!/usr/bin/env bash
# Train a model when config, domain, training data or NLU components changed.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$ROOT"
mkdir -p models
fingerprint="$(train_fingerprint)"
latest="$(ls -t models/*.tar.gz 2>/dev/null | head -n 1 || true)"
if [ "${FORCE_TRAIN:-0}" != "1" ] && [ -n "$latest" ] && [ "$(cat models/.fingerprint 2>/dev/null)" = "$fingerprint" ]; then
  echo "train: $latest is up to date"
  exit 0
fi
echo "train: training a new model (inputs changed)"
start=$(date +%s)
"$RASA" train --config config.yml --domain domain.yml --data "${TRAIN_DATA[@]}" --out models --quiet
echo "$fingerprint" > models/.fingerprint
echo "$(( $(date +%s) - start ))" > models/.train_seconds
echo "train: done in $(cat models/.train_seconds)s: $(ls -t models/*.tar.gz | head -n 1)"
# Keep the three newest models.
ls -t models/*.tar.gz | tail -n +4 | xargs -r rm -f
