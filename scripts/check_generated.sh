#!/usr/bin/env bash
# Fails when the committed stubs under clients/ differ from what protos/ generate.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/generate.sh
if ! git diff --quiet -- clients/ || [ -n "$(git ls-files --others --exclude-standard -- clients/)" ]; then
  echo "Generated code under clients/ is stale: run 'make generate' and commit." >&2
  git status --short -- clients/ >&2
  exit 1
fi
echo "generated code is up to date"
