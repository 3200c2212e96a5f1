#!/usr/bin/env bash
# Sets everything up and runs the whole test suite: the style gate, unit, integration (real HTTP on
# loopback) and end-to-end tests of the built binary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/lint.sh
swift build --build-tests
exec swift test --skip-build "$@"
