#!/usr/bin/env bash
# Builds the Go client, its conformance program (clients/go/bin/conformance)
# and its LocalVerifier bench (clients/go/bin/verifierbench, for bench/verifier.py)
# in GOPATH mode against Debian's packaged Go libraries: nothing is fetched.
# With "test", runs its tests against a live server too (needs .venv).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure_go.sh
export GO111MODULE=off GOFLAGS="" GOPATH="$PWD/clients/go:/usr/share/gocode"
export GOCACHE="${GOCACHE:-$PWD/clients/go/pkg/cache}"
cd clients/go
go vet sessionauthority/...
go build -o bin/conformance sessionauthority/cmd/conformance
go build -o bin/verifierbench sessionauthority/cmd/verifierbench
if [ "${1:-}" = "test" ]; then
  go test -count=1 sessionauthority/...
fi
