#!/usr/bin/env bash
# Installs what Parley needs on Debian/Ubuntu when it is missing: the C libraries it wraps
# (libyaml, libcurl, SQLite), the allocator it is linked with (mimalloc), pkg-config, and for the
# tests python3-jsonschema (schemas), SciPy (the statistics reference), PostgreSQL (the history on
# PostgreSQL) and a headless Chromium (the HTML pages in a browser). Needs Swift 6.
set -euo pipefail

need=()
for pkg in pkg-config libyaml-dev libcurl4-openssl-dev libsqlite3-dev libmimalloc-dev \
  python3 python3-jsonschema python3-scipy postgresql chromium-headless-shell; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    need+=("$pkg")
  fi
done

if [ ${#need[@]} -gt 0 ]; then
  echo "parley: installing ${need[*]}" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "parley: please install as root: apt-get install -y ${need[*]}" >&2
      exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq || echo "parley: apt-get update failed; trying the install anyway" >&2
  $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

# The python3 on PATH may not be Debian's (pyenv, a virtualenv): give it SciPy from PyPI if it lacks it.
if ! python3 -c 'import scipy' >/dev/null 2>&1; then
  echo "parley: installing scipy for $(command -v python3)" >&2
  python3 -m pip install --quiet scipy || { echo "parley: could not install scipy" >&2; exit 1; }
fi

if ! command -v swift >/dev/null 2>&1; then
  echo "parley: Swift 6 is required (https://www.swift.org/install/linux/); 'swift' is not on PATH" >&2
  exit 1
fi
