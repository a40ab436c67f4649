#!/usr/bin/env bash
# Regenerates every client's stubs from protos/: Python into clients/python
# (grpc_tools.protoc: buf cannot run the grpc python plugin; the Connect
# stubs, *_connect.py, come from protoc-gen-connectrpc over google.protobuf)
# and TypeScript
# into clients/typescript/src/gen (buf with the locally installed
# protoc-gen-es, see buf.gen.yaml), and Java into clients/java/src/gen
# (protoc with Debian's grpc-java plugin). Output trees mirror the proto packages.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
# protoc finds the mypy plugins on PATH, next to the interpreter; buf is there too.
export PATH="$(dirname "$PY"):$PATH"
out=clients/python
find "$out/sessionauthority/v1" \( -name '*_pb2*.py*' -o -name '*_connect.py' \) -delete
"$PY" -m grpc_tools.protoc \
  -I protos \
  --python_out="$out" \
  --grpc_python_out="$out" \
  --mypy_out="$out" \
  --mypy_grpc_out="$out" \
  --connectrpc_out="$out" --connectrpc_opt=protobuf=google \
  protos/sessionauthority/v1/*.proto

bash scripts/npm_ci.sh
buf generate

# The operator console, bundled over the TypeScript stubs just made, into
# the server package (tsc --strict first): the server serves the built files.
bash scripts/npm_ci.sh clients/console
(cd clients/console && npm run build --silent)

# Go stubs for clients/go (GOPATH layout), with Debian's protoc and plugins
# (scripts/ensure_go.sh); the M options give the import path, so the protos
# need no go_package.
bash scripts/ensure_go.sh
go_out=clients/go/src
go_pkg=""
for f in protos/sessionauthority/v1/*.proto; do
  rel="${f#protos/}"
  go_pkg="$go_pkg,M$rel=sessionauthority/v1;sessionauthorityv1"
done
rm -f "$go_out"/sessionauthority/v1/*.pb.go
protoc -I protos \
  --go_out="$go_out" --go_opt="paths=import${go_pkg}" \
  --go-grpc_out="$go_out" --go-grpc_opt="paths=import${go_pkg}" \
  protos/sessionauthority/v1/*.proto

# Java stubs into clients/java/src/gen with Debian's protoc and grpc-java
# plugin (scripts/ensure_java.sh installs them); google.rpc's Status comes
# from clients/java/proto, which buf does not see.
bash scripts/ensure_java.sh
java_out=clients/java/src/gen
rm -rf "$java_out" && mkdir -p "$java_out"
protoc -I protos -I third_party/googleapis -I clients/java/proto \
  --java_out="$java_out" \
  --plugin=protoc-gen-grpc-java=/usr/bin/grpc_java_plugin --grpc-java_out="$java_out" \
  protos/sessionauthority/v1/*.proto google/rpc/error_details.proto google/rpc/status.proto
