#!/usr/bin/env bash
# Sets everything up and runs the whole test suite: the style gate, the statistics reference table
# against SciPy, unit, integration (real HTTP on loopback, a private PostgreSQL server for the
# history) and end-to-end tests of the built binary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/lint.sh
python3 scripts/check-statistics.py
swift build --build-tests
pg_env=$(scripts/postgres.sh start)
eval "$pg_env"
# The tests' scratch directories go to one private directory, removed when the tests end.
scratch=$(mktemp -d "${TMPDIR:-/tmp}/parley-tests.XXXXXX")
trap 'scripts/postgres.sh stop "$PARLEY_PG_DIR"; rm -rf "$scratch"' EXIT
export PARLEY_TEST_POSTGRES_URL PARLEY_REQUIRE_POSTGRES=1
TMPDIR="$scratch" swift test --skip-build "$@"
