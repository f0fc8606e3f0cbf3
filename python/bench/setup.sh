#!/usr/bin/env bash
# Creates the bench's own venv (default /tmp/rampart-bench-venv) with Datadog's
# tracer and Lambda library from PyPI, kept out of the test environment.
set -euo pipefail
venv="${1:-/tmp/rampart-bench-venv}"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip
"$venv/bin/pip" install -q -r "$(dirname "$0")/requirements.txt"
"$venv/bin/pip" list 2>/dev/null | grep -Ei '^(ddtrace|datadog-lambda|datadog_lambda) '
