#!/usr/bin/env bash
# Compiles the Java client (clients/java/src: generated stubs and the SDK),
# its conformance program, tests and bench program (clients/java/bench)
# with plain javac against Debian's jars; writes the class path to run
# them with to clients/java/build/classpath and the TLS native library to
# clients/java/build/native.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure_java.sh
J=/usr/share/java
cp=""
for jar in grpc-api grpc-context grpc-core grpc-netty grpc-protobuf grpc-protobuf-lite grpc-stub \
  protobuf guava perfmark-api geronimo-annotation-1.3-spec jackson-core jackson-databind \
  jackson-annotations netty-buffer netty-codec netty-codec-http netty-codec-http2 netty-common \
  netty-handler netty-resolver netty-transport netty-tcnative junit-platform-console-standalone; do
  cp="$cp:$J/$jar.jar"
done
out=clients/java/build
# Compiled aside, then swapped in: a program running from the old classes
# (a conformance run) is not left with half a tree.
mkdir -p "$out" && rm -rf "$out/classes.new" && mkdir "$out/classes.new"
find clients/java/src clients/java/conformance clients/java/test clients/java/bench -name '*.java' >"$out/sources" 2>/dev/null || true
javac -nowarn -XDsuppressNotes -encoding UTF-8 -d "$out/classes.new" -cp "${cp#:}" @"$out/sources"
rm -rf "$out/classes" && mv "$out/classes.new" "$out/classes"
echo "$out/classes$cp" >"$out/classpath"
# netty looks for libnetty_tcnative and checks the file's own name: a copy
# under that name (a symlink would not do) for -Djava.library.path.
mkdir -p "$out/native"
cp "$(find /usr/lib -name 'libnetty-tcnative.so' -print -quit)" "$out/native/.tcnative.so"
mv -f "$out/native/.tcnative.so" "$out/native/libnetty_tcnative.so"
