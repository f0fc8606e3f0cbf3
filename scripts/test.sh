#!/usr/bin/env bash
# The project's test command (the README's second command): every package,
# fuzz targets on their seed corpora, then the race detector on the
# packages with concurrency (the Agent and its counters, the middleware,
# the engine's context pool and rules_data swaps, the regex automata).
set -euo pipefail
cd "$(dirname "$0")/.."
go test -count=1 ./...
go test -count=1 -race . ./httpguard ./waf ./report ./collector ./collector/ato ./expvarstats
# The shared regular-expression automata (transitions published between
# goroutines).
go test -count=1 -race -run 'DFA(Concurrent|CacheBound|MatchesRegexp)' ./waf/regex
# The Lambda adapter and extension under the race detector, without the
# emulator runs (-short), which the first line already made.
go test -count=1 -race -short ./lambdaguard ./extension ./sqlguard
# The framework integrations (contrib/), each its own Go module.
for m in contrib/*/; do (cd "$m" && go vet ./... && go test -count=1 ./...); done
# The Python package (python/): ruff, then pytest against the engine built
# as a shared library from bindings/librampart.
if python3 -c "import pytest" 2>/dev/null; then
  if python3 -m ruff --version >/dev/null 2>&1; then
    (cd python && python3 -m ruff check . && python3 -m ruff format --check .)
    # The Python example function, under the package's rules.
    (cd python && python3 -m ruff check --config pyproject.toml ../examples/python-lambda &&
      python3 -m ruff format --config pyproject.toml --check ../examples/python-lambda)
  elif [ "${RAMPART_REQUIRE:-}" = 1 ]; then
    echo "ruff is not installed (pip install ruff)"; exit 1
  fi
  (cd python && python3 -m pytest -q tests)
elif [ "${RAMPART_REQUIRE:-}" = 1 ]; then
  echo "pytest is not installed (pip install pytest)"; exit 1
else
  echo "skipping the Python package's tests: pytest is not installed (pip install pytest ruff)"
fi
