#!/usr/bin/env bash
# The Java client builds with plain javac against Debian's packaged jars:
# no Maven repository is needed. Installs the JDK, protoc with the grpc-java
# plugin and the runtime jars when this machine lacks them (Debian/Ubuntu;
# root or sudo). TLS needs netty-tcnative (OpenSSL): Debian's netty has no
# ALPN through the JDK's own TLS, and gRPC over TLS needs ALPN. kotlin
# (1.3) compiles the Kotlin example the tests run against these classes.
set -euo pipefail
PACKAGES="default-jdk-headless protobuf-compiler protobuf-compiler-grpc-java-plugin
libgrpc-java libprotobuf-java libnetty-java libperfmark-java
libgeronimo-annotation-1.3-spec-java libguava-java libjackson2-databind-java junit5
libnetty-tcnative-java libnetty-tcnative-jni kotlin"
have() {
  command -v javac >/dev/null 2>&1 && command -v protoc >/dev/null 2>&1 &&
    command -v kotlinc >/dev/null 2>&1 &&
    [ -x /usr/bin/grpc_java_plugin ] &&
    for jar in grpc-api protobuf netty-codec-http2 perfmark-api geronimo-annotation-1.3-spec \
      guava jackson-databind netty-tcnative junit-platform-console-standalone; do
      ls /usr/share/java/"$jar"*.jar >/dev/null 2>&1 || return 1
    done &&
    [ -n "$(find /usr/lib -name 'libnetty-tcnative.so' -print -quit 2>/dev/null)" ]
}
have && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "The Java client needs JDK 17+ and these Debian packages:" >&2
  echo "  $PACKAGES" | tr '\n' ' ' >&2
  echo >&2
  exit 1
fi
echo "installing the Java toolchain for clients/java" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $PACKAGES >/dev/null
