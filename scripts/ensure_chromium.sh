#!/usr/bin/env bash
# The console's browser tests drive Debian's Chromium with playwright-core
# (no browser download from npm); install it when this machine has none
# (Debian/Ubuntu; root or sudo).
set -euo pipefail
if [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  exit 0
fi
echo "installing Chromium for the console's browser tests" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
