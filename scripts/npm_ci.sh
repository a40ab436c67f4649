#!/usr/bin/env bash
# Installs a Node package's dependencies from its lockfile, once per lockfile
# change: clients/typescript (the client) by default, or the directory given
# (clients/console, the operator console). Node.js 20 or newer must be on PATH.
set -euo pipefail
cd "$(dirname "$0")/../${1:-clients/typescript}"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "Node.js 20+ and npm are needed for the TypeScript client (clients/typescript)," >&2
  echo "its stubs (make generate) and its tests (make test). Install them, e.g." >&2
  echo "'apt-get install nodejs npm' or https://nodejs.org, then run make again." >&2
  exit 1
fi
major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$major" -lt 20 ]; then
  echo "Node.js $(node --version) is too old for clients/typescript: it needs 20 or newer." >&2
  exit 1
fi
stamp=node_modules/.installed-stamp
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  # --ignore-scripts: nothing from the registry runs at install time.
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi
