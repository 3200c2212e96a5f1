#!/usr/bin/env bash
# Builds Parley in release mode as for an install (the Swift runtime linked in, every module's
# functions in sections of their own: README, "Working on Parley") and runs the throughput
# benchmark; see scripts/bench.py --help.
# Default: 1,000 conversations x 10 turns, 100 ms replies, concurrency 1,000.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --static-swift-stdlib -Xswiftc -Xfrontend -Xswiftc -function-sections --product parley >&2
exec python3 scripts/bench.py "$@"
