#!/usr/bin/env bash
# Installs what Parley needs on Debian/Ubuntu when it is missing: the C libraries it wraps
# (libyaml, libcurl), pkg-config, and python3-jsonschema for the schema tests. Needs Swift 6.
set -euo pipefail

need=()
for pkg in pkg-config libyaml-dev libcurl4-openssl-dev python3 python3-jsonschema; do
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

if ! command -v swift >/dev/null 2>&1; then
  echo "parley: Swift 6 is required (https://www.swift.org/install/linux/); 'swift' is not on PATH" >&2
  exit 1
fi
