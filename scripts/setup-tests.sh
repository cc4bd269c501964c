#!/usr/bin/env bash
# Installs what `cargo test --workspace` needs beyond Rust, on a fresh machine;
# on one that has it all already it checks and does nothing (no network):
#
#   1. the embedding model for parley-bot's tests (scripts/fetch-minilm.sh);
#   2. Chromium at /usr/bin/chromium (Debian's `chromium` package) and a colour
#      emoji font (`fonts-noto-color-emoji`) for the browser tests: installed
#      with apt-get when run as root, otherwise the command to run is printed
#      (and the script fails without chromium);
#   3. Playwright (`playwright-core`, pinned in web/e2e/package-lock.json):
#      `npm ci` in web/e2e when node_modules is missing or older than the lock.
#
#   scripts/setup-tests.sh
#
# Node (18 or newer) and npm must be on the PATH; the web unit tests need node too.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/fetch-minilm.sh

CHROMIUM=/usr/bin/chromium
# Debian packages: the browser, and a colour emoji font so the inbox's icons
# (📎 🔒 🔔) render in the screenshots instead of empty boxes.
apt_missing=()
[[ -x "$CHROMIUM" ]] || apt_missing+=(chromium)
dpkg-query -W -f='${Status}' fonts-noto-color-emoji 2>/dev/null | grep -q 'install ok installed' \
  || apt_missing+=(fonts-noto-color-emoji)
if [[ ${#apt_missing[@]} -eq 0 ]]; then
  echo "setup-tests: $CHROMIUM and fonts-noto-color-emoji are installed"
elif [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "setup-tests: installing Debian packages: ${apt_missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${apt_missing[@]}"
elif [[ ! -x "$CHROMIUM" ]]; then
  echo "setup-tests: ERROR: $CHROMIUM is missing; install it with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${apt_missing[*]}" >&2
  exit 1
else
  echo "setup-tests: warning: no colour emoji font, screenshots will show boxes for icons; install it with:" >&2
  echo "  sudo apt-get install -y fonts-noto-color-emoji" >&2
fi

for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "setup-tests: ERROR: '$tool' is required (Node 18 or newer)" >&2; exit 1; }
done

# npm ci writes node_modules/.package-lock.json; it is newer than the lock when
# the install is current.
e2e=web/e2e
stamp=$e2e/node_modules/.package-lock.json
if [[ -f "$stamp" && -f "$e2e/node_modules/playwright-core/package.json" && ! "$e2e/package-lock.json" -nt "$stamp" ]]; then
  echo "setup-tests: $e2e/node_modules is up to date"
else
  echo "setup-tests: npm ci in $e2e"
  (cd "$e2e" && npm ci --no-audit --no-fund)
  touch "$stamp"
fi
echo "setup-tests: ready"
