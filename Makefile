# The two commands a new user needs: `make run` and `make test`.
# Every target installs what it needs into .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 50051
HTTP_PORT ?= 8080

.PHONY: run test test-python test-typescript test-console test-go test-java conformance lint generate check-generated console-screenshot bench clean

$(STAMP): pyproject.toml clients/python/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The client first, from this repository: the server depends on it by name.
	$(BIN)/pip install --quiet -e ./clients/python -e '.[dev]'
	touch $@

run: $(STAMP)
	$(BIN)/session-authority serve --host $(HOST) --port $(PORT) --http-port $(HTTP_PORT)

test: test-python test-typescript test-console test-go test-java conformance

test-python: $(STAMP)
	bash scripts/ensure_postgres.sh
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The TypeScript client's tests (node --test) against the Python server in
# .venv. Needs Node.js 20+; scripts/npm_ci.sh says so when it is missing.
test-typescript: $(STAMP)
	bash scripts/npm_ci.sh
	cd clients/typescript && npm test --silent

# The operator console (/console/) in a real browser: Debian's Chromium
# (installed by scripts/ensure_chromium.sh), headless, driven by
# playwright-core against the Python server in .venv; screenshots in
# clients/console/test-output/.
test-console: $(STAMP)
	bash scripts/ensure_chromium.sh
	bash scripts/npm_ci.sh clients/console
	cd clients/console && npm test --silent

# Regenerates the README's picture of the console, docs/console.png.
console-screenshot: $(STAMP)
	bash scripts/ensure_chromium.sh
	bash scripts/npm_ci.sh clients/console
	cd clients/console && npm run screenshot --silent

# The Go client's tests (go test, GOPATH mode against Debian's Go packages,
# installed by scripts/ensure_go.sh) against the Python server in .venv.
test-go: $(STAMP)
	bash scripts/build_go.sh test

# The Java client's JUnit 5 tests (javac against Debian's jars, installed by
# scripts/ensure_java.sh) against the Python server in .venv.
test-java: $(STAMP)
	bash scripts/test_java.sh

# Every client language through one case list (conformance/CASES.md)
# against real servers on SQLite and PostgreSQL; writes conformance/RESULTS.md.
conformance: $(STAMP)
	bash scripts/ensure_postgres.sh
	bash scripts/build_go.sh
	bash scripts/build_java.sh
	bash scripts/npm_ci.sh
	cd clients/typescript && npm run build --silent
	$(BIN)/python -m conformance.runner

generate: $(STAMP)
	PYTHON=$(BIN)/python bash scripts/generate.sh

check-generated: $(STAMP)
	PYTHON=$(BIN)/python bash scripts/check_generated.sh

lint: $(STAMP) check-generated
	$(BIN)/buf lint
	# The API as first released (protos/baseline.binpb): clients in other
	# languages depend on it, so a change that breaks them fails here.
	$(BIN)/buf breaking protos --against protos/baseline.binpb
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	bash scripts/ensure_h2load.sh
	bash scripts/ensure_postgres.sh
	bash scripts/build_go.sh
	bash scripts/build_java.sh
	bash scripts/npm_ci.sh
	cd clients/typescript && npm run build --silent
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
