#!/usr/bin/env bash
# Fails when the committed stubs under clients/, or the console's built files,
# differ from what protos/ and clients/console generate.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/generate.sh
paths=(clients/ server/sessionauthority_server/http/console_assets/)
if ! git diff --quiet -- "${paths[@]}" || [ -n "$(git ls-files --others --exclude-standard -- "${paths[@]}")" ]; then
  echo "Generated code under clients/ or the console's built files are stale: run 'make generate' and commit." >&2
  git status --short -- "${paths[@]}" >&2
  exit 1
fi
echo "generated code is up to date"
