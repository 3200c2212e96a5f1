#!/usr/bin/env bash
# Sets everything up, builds Parley and runs the example flows against the built-in sandbox.
# Extra arguments go to `parley run` (e.g. --verbose, --junit junit.xml).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "parley: building (the first build fetches and compiles dependencies; a few minutes)" >&2
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! swift build --product parley >"$log" 2>&1; then
    grep -E "error:" "$log" >&2 || tail -20 "$log" >&2
    echo "parley: the build failed; run 'swift build' to see all of it" >&2
    exit 1
fi
bin="$(swift build --show-bin-path)/parley"
rm -f "$log"
exec "$bin" run flows/ "$@"
