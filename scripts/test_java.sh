#!/usr/bin/env bash
# The Java client's JUnit 5 tests (clients/java/test) against the real
# server from .venv, each class starting its own on a free port.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build_java.sh
exec java -Djava.library.path=clients/java/build/native \
  -jar /usr/share/java/junit-platform-console-standalone.jar \
  -cp "$(cat clients/java/build/classpath)" --select-package sessionauthority \
  --disable-banner --details=summary --fail-if-no-tests
