#!/usr/bin/env bash
# The Go client builds in GOPATH mode against Debian's packaged Go libraries
# (no module proxy needed): install the toolchain, the libraries and the
# protoc plugins when this machine lacks them (Debian/Ubuntu; root or sudo).
set -euo pipefail
PACKAGES=(golang-go golang-google-grpc-dev golang-google-protobuf-dev
  golang-google-genproto-dev protoc-gen-go protoc-gen-go-grpc protobuf-compiler
  # Without it grpc-go 1.33's codec panics on the generated (APIv2) messages.
  golang-github-golang-protobuf-1-5-dev)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "The Go client needs these Debian packages (or their equivalents): ${PACKAGES[*]}" >&2
  exit 1
fi
echo "installing the Go toolchain for clients/go: ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
