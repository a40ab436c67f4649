#!/usr/bin/env bash
# The PostgreSQL tests start a throwaway server; install the server binaries
# when this machine has none (Debian/Ubuntu; root or sudo).
set -euo pipefail
if command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  exit 0
fi
echo "installing PostgreSQL for the tests" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
