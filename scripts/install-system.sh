#!/usr/bin/env bash
# Install the Debian packages the browser tests need (tests/browser/):
#   chromium        the browser Playwright drives (/usr/bin/chromium; never `playwright install`)
#   fonts-noto-cjk  Chinese fonts: screenshots show 汉字, and the case file PDF embeds one
#   poppler-utils   pdftoppm, to look at the case file PDF as a picture in the tests
# Idempotent: packages already installed are skipped. Needs root or sudo.
# Python Playwright itself goes into .venv:
#   .venv/bin/pip install -c requirements/rasa-deps.lock.txt playwright
set -euo pipefail

PACKAGES=(chromium fonts-noto-cjk poppler-utils)

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

missing=()
for package in "${PACKAGES[@]}"; do
  if installed "$package"; then
    echo "install-system: $package is already installed"
  else
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-system: nothing to do"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-system: apt-get not found; install these packages with your system's" \
    "package manager: ${missing[*]}" >&2
  exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo)
elif command -v sudo >/dev/null 2>&1 && [ -t 0 ]; then
  as_root=(sudo)   # will ask for the password
else
  echo "install-system: installing ${missing[*]} needs root. Run as root or with sudo:" >&2
  echo "  sudo bash scripts/install-system.sh" >&2
  exit 1
fi

echo "install-system: installing ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  "${missing[@]}"
echo "install-system: done"
