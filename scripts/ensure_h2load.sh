#!/usr/bin/env bash
# make bench drives the fixed-body RPCs with h2load (nghttp2's HTTP/2 load
# generator); install it when this machine has none (Debian/Ubuntu; root or sudo).
set -euo pipefail
if command -v h2load >/dev/null 2>&1; then
  exit 0
fi
echo "installing h2load (nghttp2-client) for the bench" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nghttp2-client >/dev/null
