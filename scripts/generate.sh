#!/usr/bin/env bash
# Regenerates every client's stubs from protos/: Python into clients/python
# (grpc_tools.protoc: buf cannot run the grpc python plugin) and TypeScript
# into clients/typescript/src/gen (buf with the locally installed
# protoc-gen-es, see buf.gen.yaml). Output trees mirror the proto packages.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
# protoc finds the mypy plugins on PATH, next to the interpreter; buf is there too.
export PATH="$(dirname "$PY"):$PATH"
out=clients/python
find "$out/sessionauthority/v1" -name '*_pb2*.py*' -delete
"$PY" -m grpc_tools.protoc \
  -I protos \
  --python_out="$out" \
  --grpc_python_out="$out" \
  --mypy_out="$out" \
  --mypy_grpc_out="$out" \
  protos/sessionauthority/v1/*.proto

bash scripts/npm_ci.sh
buf generate
