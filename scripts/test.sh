#!/usr/bin/env bash
# The project's test command (the README's second command): every package,
# fuzz targets on their seed corpora, then the race detector on the
# packages with concurrency (the Agent and its counters, the middleware,
# the engine's context pool and rules_data swaps, the regex automata).
set -euo pipefail
cd "$(dirname "$0")/.."
go test -count=1 ./...
go test -count=1 -race . ./httpguard ./waf ./report ./collector ./collector/ato
# The shared regular-expression automata (transitions published between
# goroutines).
go test -count=1 -race -run 'DFA(Concurrent|CacheBound|MatchesRegexp)' ./waf/operator
# The Lambda adapter and extension under the race detector, without the
# emulator runs (-short), which the first line already made.
go test -count=1 -race -short ./lambdaguard ./extension ./sqlguard
