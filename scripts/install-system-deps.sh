#!/usr/bin/env bash
# Install the system packages linkspider's tests and demo need: Debian's redis-server, and the
# libraries the bundled mongod binary links against. Idempotent: does nothing when all are present.
set -euo pipefail
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
ldconfig -p 2>/dev/null | grep -q 'libssl.so.3' || missing+=(libssl3)
ldconfig -p 2>/dev/null | grep -q 'libcurl.so.4' || missing+=(libcurl4)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing system packages: ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "error: need root (or sudo) to install: apt-get install ${missing[*]}" >&2; exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: no apt-get; install these yourself: ${missing[*]} (redis-server >= 6, OpenSSL 3, libcurl 4)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
