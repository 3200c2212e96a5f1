#!/usr/bin/env bash
# The style gate the test command runs first: swift-format (configuration in .swift-format) and
# lines of at most 120 characters, which swift-format cannot enforce on long string literals.
# Fix formatting with: swift format format -i -r Sources Tests Package.swift
set -euo pipefail
cd "$(dirname "$0")/.."
swift format lint --strict --recursive --parallel Sources Tests Package.swift
long="$(find Sources Tests Package.swift -name '*.swift' -print0 | xargs -0 awk 'length > 120 { print FILENAME ":" FNR ": line is " length " characters (at most 120)" }')"
if [ -n "$long" ]; then
    echo "$long" >&2
    exit 1
fi
