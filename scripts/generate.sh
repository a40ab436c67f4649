#!/usr/bin/env bash
# Regenerates the Python stubs from protos/ into clients/python/. The output
# tree mirrors the proto package, so generated imports work unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
# protoc finds the mypy plugins on PATH, next to the interpreter.
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
