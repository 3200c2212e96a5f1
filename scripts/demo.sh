#!/usr/bin/env bash
# Sets everything up, builds Parley and runs the example flows against the built-in sandbox.
# Extra arguments go to `parley run` (e.g. --verbose, --junit junit.xml).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "parley: building (the first build fetches and compiles dependencies; a few minutes)" >&2
swift build --product parley 2>&1 | grep -E "error|warning: .*Sources/|Compiling parley|Build complete" >&2 || true
bin="$(swift build --show-bin-path)/parley"
[ -x "$bin" ] || { echo "parley: the build failed; run 'swift build' to see why" >&2; exit 1; }
exec "$bin" run flows/ "$@"
